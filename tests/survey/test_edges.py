"""Odd but possible inputs get a clear 4xx, never a 500."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.survey.conftest import field, likert_sheet, problem

GOOD = ("满意", "满意", "满意")


@pytest.mark.parametrize(
    ("answered_at", "path"),
    [
        ("0001-01-01T00:00:00+08:00", "body.answered_at"),
        ("9999-12-31T23:59:59-08:00", "body.answered_at"),
        ("2025-06-01T09:30:00", "body.answered_at"),
    ],
)
async def test_impossible_times_are_422(
    survey: httpx.AsyncClient, answered_at: str, path: str
) -> None:
    made = await field(survey, "seed001")
    sent = likert_sheet(GOOD, answered_at=answered_at)
    body = (await survey.post(f"/s/{made['public_token']}/sheets", json=sent)).json()
    assert body["status"] == 422, body
    assert path in [e["path"] for e in body["errors"]]


async def test_a_sheet_from_tomorrow_and_a_nul_are_refused(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001")
    url = f"/s/{made['public_token']}/sheets"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    future = await survey.post(url, json=likert_sheet(GOOD, answered_at=tomorrow))
    assert "body.answered_at" in [
        e["path"] for e in problem(future, 422, "/problems/invalid-sheet")["errors"]
    ]
    form = await field(survey, "seed002")
    sheet = {"id": str(uuid.uuid4()), "answers": {str(i): 10 for i in range(1, 11)}}
    sheet["header"] = {"企业": "某\x00公司"}
    nul = await survey.post(f"/s/{form['public_token']}/sheets", json=sheet)
    assert [e["path"] for e in problem(nul, 422, "/problems/invalid-sheet")["errors"]] == [
        "body.header.企业"
    ]


async def test_broken_bodies_are_422(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001")
    for url in (f"/s/{made['public_token']}/sheets", f"/s/{made['public_token']}/sheets/batch"):
        for content in (b"", b"{", b"[]", b'{"sheets": 5}', b"\xff\xfe"):
            answer = await survey.post(
                url, content=content, headers={"content-type": "application/json"}
            )
            problem(answer, 422, "/problems/invalid-request")
    far = {
        "questionnaire_key": made["questionnaire_key"],
        "name": "x",
        "closes_at": "0001-01-01T00:00:00+08:00",
    }
    problem(await survey.post("/surveys", json=far), 422, "/problems/invalid-request")
