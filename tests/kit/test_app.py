"""The service factory: pool settings reach the engine, and state hooks see kit's state."""

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.app import ServiceSettings, create_service_app
from services.survey.settings import SurveySettings

INI = Path(__file__).parents[2] / "services" / "survey" / "alembic.ini"


def test_pool_settings_are_read_with_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_POOL_SIZE", "7")
    monkeypatch.setenv("SURVEY_MAX_OVERFLOW", "3")
    monkeypatch.setenv("SURVEY_POOL_PRE_PING", "false")
    settings = SurveySettings(_env_file=None)
    assert (settings.pool_size, settings.max_overflow, settings.pool_pre_ping) == (7, 3, False)
    defaults = ServiceSettings(_env_file=None)
    assert (defaults.pool_size, defaults.max_overflow, defaults.pool_pre_ping) == (5, 10, True)


async def test_the_engine_takes_the_pool_settings_and_a_hook_gets_the_state(
    tmp_path: Path,
) -> None:
    seen: dict[str, Any] = {}

    async def hook(app: FastAPI, stack: AsyncExitStack, state: dict[str, Any]) -> dict[str, Any]:
        seen.update(state)
        return {"extra": "added"}

    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path}/kit.db",
        migrate_on_start=False,
        pool_size=7,
        max_overflow=3,
    )
    app = create_service_app(
        name="kit-test",
        title="t",
        description="d",
        settings=settings,
        alembic_ini=INI,
        routers=[],
        state_hook=hook,
    )
    async with LifespanManager(app) as manager:
        engine: AsyncEngine = seen["engine"]
        assert (engine.pool.size(), engine.pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
        assert seen["settings"] is settings
        assert manager._state["extra"] == "added"
        assert manager._state["engine"] is engine


async def test_a_two_argument_state_hook_still_works(tmp_path: Path) -> None:
    async def hook(app: FastAPI, stack: AsyncExitStack) -> dict[str, Any]:
        return {"extra": "added"}

    settings = ServiceSettings(database_url=f"sqlite:///{tmp_path}/kit.db", migrate_on_start=False)
    app = create_service_app(
        name="kit-test",
        title="t",
        description="d",
        settings=settings,
        alembic_ini=INI,
        routers=[],
        state_hook=hook,
    )
    async with LifespanManager(app) as manager:
        assert manager._state["extra"] == "added"
