"""The survey service app: questionnaires, surveys, answer sheets and their results."""

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit import openapi
from services.kit.app import create_service_app
from services.survey import api, openapi_examples
from services.survey.api import collect
from services.survey.pool import AutocommitPool
from services.survey.settings import SurveySettings
from services.survey.snapshots import Snapshots


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    """Build the survey service."""
    settings = settings or SurveySettings()

    async def collection_pool(
        app: FastAPI, stack: AsyncExitStack, state: dict[str, Any]
    ) -> dict[str, Any]:
        """Open the connections single submits take, and the cache of surveys by token."""
        engine: AsyncEngine = state["engine"]
        submits = None
        if engine.dialect.name == "postgresql":  # elsewhere submits take a session
            submits = AutocommitPool(engine, settings.pool_size)
            stack.push_async_callback(submits.close)
        return {"surveys": Snapshots(), "submits": submits}

    app = create_service_app(
        name="survey",
        title="jixiao survey",
        description="Questionnaires, surveys fielded to respondents, answer sheets and results.",
        settings=settings,
        alembic_ini=Path(__file__).with_name("alembic.ini"),
        routers=[api.router],
        state_hook=collection_pool,
    )
    app.router.routes[:0] = collect.hot_routes()  # tried first: see hot_routes
    openapi.attach(app, openapi_examples.examples)
    return app


app = create_app()
