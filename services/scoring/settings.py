"""Settings of the scoring service (environment prefix SCORING_)."""

from pydantic_settings import SettingsConfigDict

from services.kit.app import ServiceSettings


class ScoringSettings(ServiceSettings):
    """Where the scoring service keeps its data."""

    model_config = SettingsConfigDict(env_prefix="SCORING_", env_file=".env", extra="ignore")
    database_url: str = "sqlite:///./var/scoring.db"
    survey_url: str = "http://survey:8000"
    request_timeout_s: float = 10.0
