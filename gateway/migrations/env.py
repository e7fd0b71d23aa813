"""Alembic environment of the gateway: its own metadata and version table."""

from gateway import models
from gateway.settings import GatewaySettings
from services.kit.migrations import run_env

run_env(
    models.GatewayModel.metadata,
    version_table="alembic_version_gateway",
    default_url=GatewaySettings().database_url,
)
