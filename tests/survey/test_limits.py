"""Bounds of collection: the longest free-text answer and the most sheets in one batch."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from services.kit import testing
from services.kit.clients import service_client
from services.survey.main import create_app
from services.survey.settings import SurveySettings
from tests.survey.conftest import CALLER, problem

FORM: dict[str, Any] = {
    "name": "意见征集",
    "questions": [
        {"kind": "likert", "code": "q1", "text": "总体满意度"},
        {"kind": "text", "code": "长", "text": "详细意见", "max_length": 5000},
        {"kind": "text", "code": "短", "text": "一句话", "max_length": 10},
    ],
}


async def _field(client: httpx.AsyncClient) -> dict[str, Any]:
    """Store FORM and field it; return the survey."""
    made = await client.post("/questionnaires", json=FORM)
    assert made.status_code == 201, made.text
    body = {"questionnaire_key": made.json()["key"], "name": "意见征集"}
    created = await client.post("/surveys", json=body)
    assert created.status_code == 201, created.text
    fielded: dict[str, Any] = created.json()
    return fielded


def _sheet(**answers: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "answers": {"q1": "满意", **answers}}


async def _n(client: httpx.AsyncClient, survey_id: str) -> int:
    results = await client.get(f"/surveys/{survey_id}/results")
    assert results.status_code == 200, results.text
    n: int = results.json()["n"]
    return n


async def test_the_openapi_document_declares_both_bounds(survey: httpx.AsyncClient) -> None:
    paths = (await survey.get("/openapi.json")).json()["paths"]
    single = paths["/s/{token}/sheets"]["post"]["requestBody"]["content"]["application/json"]
    answer = single["schema"]["properties"]["answers"]["additionalProperties"]
    assert answer == {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 5000}]}
    batch = paths["/s/{token}/sheets/batch"]["post"]["requestBody"]["content"]["application/json"]
    sheets = batch["schema"]["properties"]["sheets"]
    assert (sheets["minItems"], sheets["maxItems"]) == (1, 5000)
    assert sheets["items"]["properties"]["answers"]["additionalProperties"] == answer


async def test_a_free_text_answer_over_5000_characters_is_422_naming_it(
    survey: httpx.AsyncClient,
) -> None:
    made = await _field(survey)
    url = f"/s/{made['public_token']}/sheets"
    longest = await survey.post(url, json=_sheet(长="意" * 5000))  # 15,000 bytes of UTF-8
    assert longest.status_code == 201, longest.text
    over = await survey.post(url, json=_sheet(长="意" * 5001))
    body = problem(over, 422, "/problems/invalid-request")
    assert body["errors"] == [
        {
            "path": "body.answers.长",
            "message": "give whole points, a label, an option or text of at most 5000 characters",
            "type": "answer",
        }
    ]
    # Below the bound of every answer, a question's own limit still holds.
    short = await survey.post(url, json=_sheet(短="一二三四五六七八九十十"))
    refused = problem(short, 422, "/problems/invalid-sheet")
    assert [e["path"] for e in refused["errors"]] == ["body.answers.短"]
    assert "at most 10 characters" in refused["errors"][0]["message"]
    assert await _n(survey, made["id"]) == 1


async def test_a_batch_sheet_with_an_answer_over_the_bound_is_refused_alone(
    survey: httpx.AsyncClient,
) -> None:
    made = await _field(survey)
    sheets = [_sheet(长="意" * 5000), _sheet(长="意" * 5001), _sheet()]
    response = await survey.post(f"/s/{made['public_token']}/sheets/batch", json={"sheets": sheets})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["stored"], body["repeated"], body["failed"]) == (2, 0, 1)
    (item,) = body["items"]
    assert (item["index"], item["status"]) == (1, 422)
    assert [e["path"] for e in item["problem"]["errors"]] == ["body.sheets[1].answers.长"]
    assert await _n(survey, made["id"]) == 2


async def test_a_batch_of_more_than_5000_sheets_is_422_saying_the_limit(
    survey: httpx.AsyncClient,
) -> None:
    made = await _field(survey)
    url = f"/s/{made['public_token']}/sheets/batch"
    response = await survey.post(url, json={"sheets": [_sheet() for _ in range(5001)]})
    body = problem(response, 422, "/problems/invalid-request")
    assert body["errors"] == [
        {
            "path": "body.sheets",
            "message": "List should have at most 5000 items after validation, not 5001",
            "type": "too_long",
        }
    ]
    assert await _n(survey, made["id"]) == 0


@pytest.fixture
async def small_batches(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A survey service configured for batches of at most 3 sheets."""
    app = create_app(SurveySettings(database_url=database_url, max_batch=3))
    async with LifespanManager(app, startup_timeout=60) as manager:
        async with service_client("http://test", manager.app) as client:
            yield testing.signed_as(client, CALLER)


async def test_a_deployment_may_allow_fewer_sheets_per_batch_and_says_so(
    small_batches: httpx.AsyncClient,
) -> None:
    made = await _field(small_batches)
    url = f"/s/{made['public_token']}/sheets/batch"
    four = await small_batches.post(url, json={"sheets": [_sheet() for _ in range(4)]})
    body = problem(four, 422, "/problems/invalid-request")
    assert body["detail"] == "At most 3 sheets per batch; this one has 4"
    assert body["errors"] == [
        {
            "path": "body.sheets",
            "message": "send at most 3 sheets per batch (not 4); "
            "send the others in further batches",
        }
    ]
    assert await _n(small_batches, made["id"]) == 0
    three = await small_batches.post(url, json={"sheets": [_sheet() for _ in range(3)]})
    assert three.json()["stored"] == 3, three.text


def test_a_deployment_may_not_allow_more_than_the_declared_bound() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        SurveySettings(_env_file=None, max_batch=5001)
