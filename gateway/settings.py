"""Settings of the gateway (environment prefix GATEWAY_)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Where each service is; an empty URL runs that service inside the gateway's process."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")
    scoring_url: str | None = Field(default=None, description="e.g. http://127.0.0.1:8001")
    survey_url: str | None = None
    report_url: str | None = None
    timeout_s: float = Field(default=30.0, gt=0, description="Whole upstream exchange")
    connect_timeout_s: float = Field(default=2.0, gt=0)
    max_connections: int = Field(default=64, gt=0, description="Per upstream service")
    max_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="Larger: 413")
    log_level: str = "INFO"
