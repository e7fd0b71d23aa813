"""The scoring service app: indicator systems, facts, rules, scores, grades and evaluations."""

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from services.kit import openapi
from services.kit.app import create_service_app
from services.kit.clients import open_client
from services.scoring import api, openapi_examples
from services.scoring.api import scores
from services.scoring.settings import ScoringSettings


def create_app(
    settings: ScoringSettings | None = None, peers: dict[str, ASGIApp] | None = None
) -> FastAPI:
    """Build the scoring service; `peers` holds a started in-process survey app to read."""
    settings = settings or ScoringSettings()
    running = peers or {}

    async def open_clients(app: FastAPI, stack: AsyncExitStack) -> dict[str, Any]:
        survey = await open_client(
            stack, settings.survey_url, running.get("survey"), settings.request_timeout_s
        )
        return {"survey": survey}

    app = create_service_app(
        name="scoring",
        title="jixiao scoring",
        description="Indicator systems, facts, rule-based and judged scores, grades, evaluations.",
        settings=settings,
        alembic_ini=Path(__file__).with_name("alembic.ini"),
        routers=[api.router],
        state_hook=open_clients,
    )
    app.router.routes[:0] = scores.hot_routes()  # tried first: see hot_routes
    openapi.attach(app, openapi_examples.examples)
    return app


app = create_app()
