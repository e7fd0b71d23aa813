"""Alembic environment of the report service: its own metadata and version table."""

from services.kit.migrations import run_env
from services.report import models
from services.report.settings import ReportSettings

run_env(
    models.ReportModel.metadata,
    version_table="alembic_version_report",
    default_url=ReportSettings().database_url,
)
