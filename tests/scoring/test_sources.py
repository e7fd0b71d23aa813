"""Facts read from the survey service into an evaluation, through the services' APIs."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.main import create_app
from gateway.settings import GatewaySettings
from services.kit import testing
from tests.conftest import NewDatabase
from tests.gateway.conftest import local_settings
from tests.scoring.conftest import example

API = "/api/v1/scoring"


@pytest.fixture
async def system(new_database: NewDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """The whole system in one process: scoring reads the in-process survey service."""
    app = create_app(GatewaySettings(_env_file=None), local_settings(new_database))
    async with testing.started(app) as client:
        yield client


async def _evaluation(client: httpx.AsyncClient) -> dict[str, Any]:
    key = (await client.post(f"{API}/templates/seed001/copies")).json()["key"]
    project = await client.post(f"{API}/projects", json={"name": "兴宁", "year": 2024})
    created = await client.post(
        f"{API}/evaluations",
        json={
            "project_id": project.json()["id"],
            "system_key": key,
            "facts": example("seed001", "facts"),
            "judgements": example("seed001", "judgements"),
        },
    )
    assert created.status_code == 201, created.text
    evaluation: dict[str, Any] = created.json()
    return evaluation


async def test_unknown_survey_is_a_404_and_changes_nothing(system: httpx.AsyncClient) -> None:
    evaluation = await _evaluation(system)
    url = f"{API}/evaluations/{evaluation['id']}/sources/市民满意度"
    response = await system.put(url, json={"survey_id": "00000000-0000-4000-8000-000000000000"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/survey-not-found"
    after = (await system.get(f"{API}/evaluations/{evaluation['id']}")).json()
    assert after["revision"] == evaluation["revision"]
    assert after["sources"] == {}


async def test_only_a_rate_fact_can_come_from_a_survey(system: httpx.AsyncClient) -> None:
    evaluation = await _evaluation(system)
    url = f"{API}/evaluations/{evaluation['id']}/sources/预算资金"
    response = await system.put(url, json={"survey_id": "00000000-0000-4000-8000-000000000000"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"path": "path.fact", "message": "must name a fact of type rate"}
    ]
