"""Settings of the gateway (environment prefix GATEWAY_)."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Where each service is; an empty URL runs that service inside the gateway's process."""

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_file=".env", extra="ignore", populate_by_name=True
    )
    scoring_url: str | None = Field(default=None, description="e.g. http://127.0.0.1:8001")
    survey_url: str | None = None
    report_url: str | None = None
    timeout_s: float = Field(default=30.0, gt=0, description="Whole upstream exchange")
    connect_timeout_s: float = Field(default=2.0, gt=0)
    max_connections: int = Field(default=64, gt=0, description="Per upstream service")
    max_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="Larger: 413")
    log_level: str = "INFO"
    database_url: str = Field(
        default="sqlite:///./var/gateway.db", description="Clients, keys, webhooks"
    )
    migrate_on_start: bool = True
    redis_url: str | None = Field(
        default=None, description="Shared limits and idempotency; empty: memory and database"
    )
    redis_prefix: str = Field(default="jixiao", description="Prefix of every Redis key")
    internal_secret: SecretStr = Field(
        default=SecretStr(""),
        validation_alias="JIXIAO_INTERNAL_SECRET",
        description="Signs identities for the services; empty: random per process",
    )
    key_pepper: SecretStr = Field(
        default=SecretStr(""), description="Keys the API-key hashes; set it in production"
    )
    token_secret: SecretStr = Field(
        default=SecretStr(""), description="Signs OAuth2 tokens; empty: derived from the above"
    )
    token_ttl_s: int = Field(default=600, gt=0, le=86400, description="OAuth2 token lifetime")
    directory_refresh_s: float = Field(
        default=1.0, gt=0, le=5, description="How often key changes are looked for"
    )
    default_rate: str = Field(default="600/minute", description="Per client and scope")
    public_rate: str = Field(default="120/minute", description="Per address on survey routes")
    idempotency_ttl_s: int = Field(default=86400, gt=0)
    idempotency_wait_s: float = Field(default=10.0, ge=0, description="A twin waits, then 409")
    breaker_failures: int = Field(default=5, gt=0, description="In a row, then the circuit opens")
    breaker_reset_s: float = Field(default=5.0, gt=0, description="Open this long, then a trial")
    cors_origins: list[str] = Field(default_factory=list, description="e.g. the survey page")
    webhook_max_attempts: int = Field(default=8, gt=0)
    webhook_backoff_s: float = Field(default=2.0, gt=0, description="Doubles after each failure")
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    bootstrap_admin_key: SecretStr = Field(
        default=SecretStr(""), description="Tests and automation: make this admin key at start"
    )
