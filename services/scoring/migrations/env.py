"""Alembic environment of the scoring service: its own metadata and version table."""

from services.kit.migrations import run_env
from services.scoring import models
from services.scoring.settings import ScoringSettings

run_env(
    models.ScoringModel.metadata,
    version_table="alembic_version_scoring",
    default_url=ScoringSettings().database_url,
)
