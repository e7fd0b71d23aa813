"""Settings of the survey service (environment prefix SURVEY_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kit.app import ServiceSettings

# The most sheets one batch may carry, as declared in the OpenAPI document: a device offline
# for a week at a busy service hall gathers some hundreds; 5000 sheets of a long questionnaire
# are already near the gateway's 20 MB body limit. A deployment may allow fewer, not more.
MAX_BATCH = 5000


class SurveySettings(ServiceSettings):
    """Where the survey service keeps its data and how it reaches respondents."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_", env_file=".env", extra="ignore")
    database_url: str = "sqlite:///./var/survey.db"
    public_url: str | None = Field(
        default=None,
        description="Public address of this service for links and QR codes, e.g. "
        "https://jixiao.example.cn/api/v1/survey; by default read from the request",
    )
    late_grace_h: float = Field(
        default=72.0,
        ge=0,
        description="Hours after a survey closes during which sheets filled in before the "
        "close (on a phone that was offline) are still taken",
    )
    max_batch: int = Field(
        default=MAX_BATCH, ge=1, le=MAX_BATCH, description="Most sheets in one batch"
    )
    # Sized for bursts of submits: opening a connection costs more than a submit. Each process
    # also keeps up to pool_size autocommit connections for single submits (pool.py).
    pool_size: int = Field(default=20, ge=1, description="Database connections kept per process")
    max_overflow: int = Field(
        default=20, ge=0, description="Connections opened beyond pool_size in a burst, then closed"
    )
