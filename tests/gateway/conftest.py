"""A whole system in one process: the gateway and the three services, on one backend."""

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from gateway.main import LocalSettings, create_app
from gateway.settings import GatewaySettings
from services.kit.clients import service_client
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings
from tests.conftest import NewDatabase

ADMIN_KEY = "jx_test-admin-key-0123456789"
Client = Callable[..., httpx.AsyncClient]


def local_settings(new_database: NewDatabase) -> LocalSettings:
    """Settings for three in-process services, each on its own empty database."""
    return LocalSettings(
        scoring=ScoringSettings(database_url=new_database()),
        survey=SurveySettings(database_url=new_database()),
        report=ReportSettings(database_url=new_database()),
    )


def gateway_settings(new_database: NewDatabase, **overrides: Any) -> GatewaySettings:
    """Gateway settings for a test: its own database, an admin key holding every scope."""
    return GatewaySettings(
        _env_file=None,
        database_url=new_database(),
        bootstrap_admin_key=SecretStr(ADMIN_KEY),
        **overrides,
    )


@pytest.fixture
async def clients(new_database: NewDatabase) -> AsyncIterator[Client]:
    """Make clients of one in-process gateway: `clients()` holds the admin key, `clients(None)`
    holds none, `clients("jx_…")` holds that key."""
    app = create_app(gateway_settings(new_database), local_settings(new_database))
    async with LifespanManager(app, startup_timeout=60) as manager:
        opened: list[httpx.AsyncClient] = []

        def make(key: str | None = ADMIN_KEY, **kwargs: Any) -> httpx.AsyncClient:
            client = service_client("http://test", manager.app)
            if key is not None:
                client.headers["x-api-key"] = key
            opened.append(client)
            return client

        yield make
        for client in opened:
            await client.aclose()


@pytest.fixture
def gateway(clients: Client) -> httpx.AsyncClient:
    """A client of an in-process gateway holding the admin key (every scope)."""
    return clients()
