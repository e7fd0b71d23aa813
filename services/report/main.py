"""The report service app: evaluation reports and result notices, made by jobs."""

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from services.kit import db, openapi
from services.kit.app import create_service_app
from services.kit.clients import open_client
from services.report import api, openapi_examples
from services.report.settings import ReportSettings
from services.report.worker import Worker


def create_app(
    settings: ReportSettings | None = None, peers: dict[str, ASGIApp] | None = None
) -> FastAPI:
    """Build the report service; `peers` are started in-process scoring/survey apps to call."""
    settings = settings or ReportSettings()
    running = peers or {}

    async def open_clients(app: FastAPI, stack: AsyncExitStack) -> dict[str, Any]:
        timeout = settings.request_timeout_s
        scoring = await open_client(stack, settings.scoring_url, running.get("scoring"), timeout)
        survey = await open_client(stack, settings.survey_url, running.get("survey"), timeout)
        worker = None
        if settings.run_worker:
            # Its own engine: the worker's queries never wait for a request's connection.
            engine = db.create_engine(settings.database_url)
            stack.push_async_callback(engine.dispose)
            worker = Worker(db.sessionmaker(engine), settings, scoring, survey)
            worker.start()
            stack.push_async_callback(worker.stop)
        return {"scoring": scoring, "survey": survey, "worker": worker}

    app = create_service_app(
        name="report",
        title="jixiao reports",
        description="Evaluation reports and result notices in DOCX, PDF, HTML and Markdown.",
        settings=settings,
        alembic_ini=Path(__file__).with_name("alembic.ini"),
        routers=[api.router],
        state_hook=open_clients,
    )
    openapi.attach(app, openapi_examples.examples)
    return app


app = create_app()
