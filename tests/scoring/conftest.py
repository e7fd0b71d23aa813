"""Fixtures of the scoring tests: the service on a fresh database, and the seed examples."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.kit import testing
from services.scoring.main import create_app
from services.scoring.settings import ScoringSettings

EXAMPLES = Path(__file__).parents[2] / "examples"


def example(case: str, name: str) -> Any:
    """Load one JSON file of an example case (examples/<case>/<name>.json)."""
    return json.loads((EXAMPLES / case / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
async def scoring(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the scoring service on an empty database (SQLite, then PostgreSQL)."""
    async with testing.started(create_app(ScoringSettings(database_url=database_url))) as client:
        yield client
