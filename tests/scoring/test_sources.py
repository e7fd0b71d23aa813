"""Facts read from the survey service into an evaluation, through the services' APIs."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.main import create_app
from services.kit import testing
from tests.conftest import NewDatabase
from tests.gateway.conftest import ADMIN_KEY, gateway_settings, local_settings
from tests.scoring.conftest import example
from tests.survey.conftest import SEED001_SHEETS, field, likert_sheet

API = "/api/v1/scoring"
SURVEY = "/api/v1/survey"


@pytest.fixture
async def system(new_database: NewDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """The whole system in one process: scoring reads the in-process survey service."""
    app = create_app(gateway_settings(new_database), local_settings(new_database))
    async with testing.started(app) as client:
        client.headers["x-api-key"] = ADMIN_KEY
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


async def test_seed001_survey_becomes_the_satisfaction_fact_with_its_n(
    system: httpx.AsyncClient,
) -> None:
    made = await field(system, "seed001", prefix=SURVEY, target=52)
    sheets = [likert_sheet(levels) for levels in SEED001_SHEETS]
    stored = await system.post(
        f"{SURVEY}/s/{made['public_token']}/sheets/batch", json={"sheets": sheets}
    )
    assert stored.status_code == 200, stored.text
    evaluation = await _evaluation(system)
    # Start from a low satisfaction so the survey visibly changes the score: 59% → 0 of 8.
    url = f"{API}/evaluations/{evaluation['id']}"
    lowered = await system.patch(url, json={"facts": {"市民满意度": "0.59"}})
    assert lowered.json()["result"]["total"] == "80.00"

    response = await system.put(
        f"{url}/sources/市民满意度", json={"survey_id": made["id"], "reason": "市民问卷结果"}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["facts"]["市民满意度"] == "0.9872"
    source = updated["sources"]["市民满意度"]
    assert (source["survey_id"], source["n"], source["satisfaction"]) == (made["id"], 52, "0.9872")
    assert updated["result"]["total"] == "88.00"
    satisfaction = next(i for i in updated["result"]["indicators"] if i["code"] == "4.2.1")
    assert satisfaction["final_score"] == "8.00"
    audit = (await system.get(f"{url}/audit")).json()["items"]
    assert [(e["action"], e["field"]) for e in audit[-2:]] == [
        ("survey", "facts.市民满意度"),
        ("survey", "sources.市民满意度"),
    ]
    assert audit[-2]["old"] == "0.59"
    assert audit[-1]["reason"] == "市民问卷结果"
