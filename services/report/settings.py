"""Settings of the report service (environment prefix REPORT_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kit.app import ServiceSettings


class ReportSettings(ServiceSettings):
    """Where the report service keeps its data, how it reaches its peers, how its worker runs."""

    model_config = SettingsConfigDict(env_prefix="REPORT_", env_file=".env", extra="ignore")
    database_url: str = "sqlite:///./var/report.db"
    scoring_url: str = "http://scoring:8000"
    survey_url: str = "http://survey:8000"
    request_timeout_s: float = 10.0
    run_worker: bool = Field(default=True, description="Make documents in this process")
    # One thread: measured here, two threads made six PDFs slower (GIL) and doubled the peak
    # memory. Scale out with more processes; the job claim is safe across them.
    render_threads: int = Field(default=1, ge=1, le=16)
    poll_interval_s: float = Field(default=1.0, gt=0, description="Look for jobs of others")
    lease_s: float = Field(default=30.0, gt=0, description="A silent running job is retaken")
    max_attempts: int = Field(default=3, ge=1, description="Then the job fails for good")
    max_template_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
