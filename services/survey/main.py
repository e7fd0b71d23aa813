"""The survey service app: questionnaires, surveys, answer sheets and their results."""

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from services.kit import db
from services.kit.app import create_service_app
from services.survey import api
from services.survey.settings import SurveySettings
from services.survey.snapshots import Snapshots


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    """Build the survey service."""
    settings = settings or SurveySettings()

    async def collection_pool(app: FastAPI, stack: AsyncExitStack) -> dict[str, Any]:
        """Open the service's own engine and its cache of surveys by token."""
        # Measured on the submit path (bench/survey.py): kit's pool (5 + 10 overflow) opened
        # and closed a connection for every burst over five, and its pre-ping cost a round
        # trip and a quarter of a submit's CPU. On PostgreSQL this pool is sized for bursts
        # and skips the ping: after a database restart one request per process fails (500)
        # and the pool reconnects; phones retry a failed submit by themselves.
        sizes = {"pool_size": settings.pool_size, "max_overflow": settings.pool_size}
        url = db.async_url(settings.database_url)
        if url.get_backend_name() == "postgresql":
            engine = create_async_engine(url, pool_pre_ping=False, **sizes)
        else:
            engine = db.create_engine(settings.database_url, **sizes)
        stack.push_async_callback(engine.dispose)
        return {
            "engine": engine,
            "sessionmaker": db.sessionmaker(engine),
            "surveys": Snapshots(),
        }

    return create_service_app(
        name="survey",
        title="jixiao survey",
        description="Questionnaires, surveys fielded to respondents, answer sheets and results.",
        settings=settings,
        alembic_ini=Path(__file__).with_name("alembic.ini"),
        routers=[api.router],
        state_hook=collection_pool,
    )


app = create_app()
