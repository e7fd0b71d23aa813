"""Alembic environment of the survey service: its own metadata and version table."""

from services.kit.migrations import run_env
from services.survey import models
from services.survey.settings import SurveySettings

run_env(
    models.SurveyModel.metadata,
    version_table="alembic_version_survey",
    default_url=SurveySettings().database_url,
)
