"""Fixtures of the survey tests: the service on a fresh database, the whole system, helpers."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.main import create_app
from services.kit import identity, testing
from services.kit.clients import service_client
from services.survey.main import create_app as create_survey_app
from services.survey.settings import SurveySettings
from tests.conftest import NewDatabase
from tests.gateway.conftest import ADMIN_KEY, gateway_settings, local_settings

PROBLEM = "application/problem+json"
CALLER = identity.Identity("evaluator", "org-a", frozenset({"survey:manage"}), frozenset({"org-a"}))
Clients = Callable[..., Awaitable[httpx.AsyncClient]]
# Seed 001's 表3: 52 respondents, three questions, counts per level 非常满意 … 非常不满意.
SEED001_SHEETS = [("非常满意",) * 3] * 49 + [("非常满意", "满意", "满意")] + [("满意",) * 3] * 2


@pytest.fixture
async def clients(database_url: str) -> AsyncIterator[Clients]:
    """Make clients of one survey service on an empty database, each signed as a caller."""
    app = create_survey_app(SurveySettings(database_url=database_url))
    async with LifespanManager(app, startup_timeout=60) as manager:
        async with AsyncExitStack() as stack:

            async def make(caller: identity.Identity = CALLER) -> httpx.AsyncClient:
                client = service_client("http://test", manager.app)
                return testing.signed_as(await stack.enter_async_context(client), caller)

            yield make


@pytest.fixture
async def survey(clients: Clients) -> httpx.AsyncClient:
    """A client of the survey service on an empty database (SQLite, then PostgreSQL)."""
    return await clients()


@pytest.fixture
async def gateway(new_database: NewDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding the admin key of an in-process gateway with its services in-process."""
    settings = gateway_settings(new_database, public_rate="100000/minute")
    async with testing.started(create_app(settings, local_settings(new_database))) as client:
        client.headers["x-api-key"] = ADMIN_KEY
        yield client


def problem(response: httpx.Response, status: int, type_: str) -> dict[str, Any]:
    """Assert a problem+json response of a status and type; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == type_
    return body


async def field(
    client: httpx.AsyncClient, template: str, prefix: str = "", **survey: Any
) -> dict[str, Any]:
    """Copy a template into a questionnaire and field it; return the survey."""
    copied = await client.post(f"{prefix}/templates/{template}/copies")
    assert copied.status_code == 201, copied.text
    body = {"questionnaire_key": copied.json()["key"], "name": f"{template} survey", **survey}
    created = await client.post(f"{prefix}/surveys", json=body)
    assert created.status_code == 201, created.text
    fielded: dict[str, Any] = created.json()
    return fielded


def likert_sheet(levels: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    """Return a seed 001 sheet answering questions 1, 2, 3 with these levels."""
    answers = {str(i + 1): level for i, level in enumerate(levels)}
    return {"id": str(uuid.uuid4()), "answers": answers, **extra}


def points_sheet(points: list[int], **extra: Any) -> dict[str, Any]:
    """Return a seed 002 sheet giving these points to items 1 … 10."""
    return {
        "id": str(uuid.uuid4()),
        "answers": {str(i + 1): p for i, p in enumerate(points)},
        **extra,
    }
