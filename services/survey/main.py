"""The survey service app: questionnaires, surveys, answer sheets and their results."""

from pathlib import Path

from fastapi import FastAPI

from services.kit.app import create_service_app
from services.survey import api
from services.survey.settings import SurveySettings


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    """Build the survey service."""
    return create_service_app(
        name="survey",
        title="jixiao survey",
        description="Questionnaires, surveys fielded to respondents, answer sheets and results.",
        settings=settings or SurveySettings(),
        alembic_ini=Path(__file__).with_name("alembic.ini"),
        routers=[api.router],
    )


app = create_app()
