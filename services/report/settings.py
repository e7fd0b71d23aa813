"""Settings of the report service (environment prefix REPORT_)."""

from pydantic_settings import SettingsConfigDict

from services.kit.app import ServiceSettings


class ReportSettings(ServiceSettings):
    """Where the report service keeps its data and how it reaches the services it reads."""

    model_config = SettingsConfigDict(env_prefix="REPORT_", env_file=".env", extra="ignore")
    database_url: str = "sqlite:///./var/report.db"
    scoring_url: str = "http://scoring:8000"
    survey_url: str = "http://survey:8000"
    request_timeout_s: float = 10.0
