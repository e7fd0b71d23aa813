"""Fixtures of the scoring tests: the service on a fresh database, callers, the seed examples."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from services.kit import testing
from services.kit.clients import service_client
from services.kit.identity import Identity
from services.scoring.main import create_app
from services.scoring.settings import ScoringSettings

EXAMPLES = Path(__file__).parents[2] / "examples"
# The evaluation agency that scores seed 001, and a finance bureau it may share with.
AGENCY = testing.caller("evaluator-li", "agency")
Callers = Callable[[Identity], Awaitable[httpx.AsyncClient]]


def example(case: str, name: str) -> Any:
    """Load one JSON file of an example case (examples/<case>/<name>.json)."""
    return json.loads((EXAMPLES / case / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
async def callers(database_url: str) -> AsyncIterator[Callers]:
    """Make clients of one scoring service (on SQLite, then PostgreSQL), each signed as a caller."""
    app = create_app(ScoringSettings(database_url=database_url))
    async with LifespanManager(app, startup_timeout=60) as manager, AsyncExitStack() as stack:

        async def make(who: Identity) -> httpx.AsyncClient:
            client = await stack.enter_async_context(service_client("http://test", manager.app))
            return testing.signed_as(client, who)

        yield make


@pytest.fixture
async def scoring(callers: Callers) -> httpx.AsyncClient:
    """A client of the scoring service on an empty database, calling as the agency."""
    return await callers(AGENCY)
