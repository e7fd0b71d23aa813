"""Surveys over HTTP: field a version, change it, list it, invitations and QR codes."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import segno

from tests.survey.conftest import field, problem

PROJECT = str(uuid.uuid4())


async def test_a_survey_pins_a_version_and_has_an_unguessable_link(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(
        survey, "seed001", project_id=PROJECT, target=52, groups=["市民"], evaluation_id=None
    )
    assert (made["version"], made["status"], made["target"], made["groups"]) == (
        1,
        "open",
        52,
        ["市民"],
    )
    assert len(made["public_token"]) >= 22
    assert made["link"] == f"http://test/s/{made['public_token']}"
    await survey.put(
        f"/questionnaires/{made['questionnaire_key']}",
        json=(await survey.get(f"/questionnaires/{made['questionnaire_key']}")).json()[
            "questionnaire"
        ],
    )
    again = (await survey.get(f"/surveys/{made['id']}")).json()
    assert again["version"] == 1  # a new questionnaire version does not move the survey
    other = await field(survey, "seed002")
    mine = (await survey.get("/surveys", params={"project_id": PROJECT})).json()["items"]
    assert [s["id"] for s in mine] == [made["id"]]
    every = (await survey.get("/surveys")).json()["items"]
    assert {s["id"] for s in every} == {made["id"], other["id"]}


async def test_a_survey_can_be_rescheduled_and_closed(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001")
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    moved = await survey.patch(f"/surveys/{made['id']}", json={"opens_at": later, "target": 100})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["target"]) == ("scheduled", 100)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    closed = await survey.patch(
        f"/surveys/{made['id']}", json={"opens_at": None, "closes_at": past}
    )
    assert closed.json()["status"] == "closed"


async def test_survey_problems_are_404_and_422(survey: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    problem(await survey.get(f"/surveys/{missing}"), 404, "/problems/survey-not-found")
    problem(await survey.patch(f"/surveys/{missing}", json={}), 404, "/problems/survey-not-found")
    body = {"questionnaire_key": str(missing), "name": "x"}
    problem(await survey.post("/surveys", json=body), 404, "/problems/questionnaire-not-found")
    made = await field(survey, "seed001")
    backwards = {
        "questionnaire_key": made["questionnaire_key"],
        "name": "x",
        "opens_at": "2025-06-02T00:00:00+08:00",
        "closes_at": "2025-06-01T00:00:00+08:00",
    }
    problem(await survey.post("/surveys", json=backwards), 422, "/problems/invalid-request")
    naive = {
        "questionnaire_key": made["questionnaire_key"],
        "name": "x",
        "opens_at": "2025-06-02T00:00:00",
    }
    problem(await survey.post("/surveys", json=naive), 422, "/problems/invalid-request")
    past = {"closes_at": "2000-01-01T00:00:00+00:00", "opens_at": "2001-01-01T00:00:00+00:00"}
    problem(
        await survey.patch(f"/surveys/{made['id']}", json=past), 422, "/problems/invalid-request"
    )


async def test_invitations_are_shown_once_and_counted(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001", invitation_only=True)
    invited = await survey.post(f"/surveys/{made['id']}/invitations", json={"count": 3})
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert (len(set(body["tokens"])), body["made"], body["used"]) == (3, 3, 0)
    assert body["links"][0] == f"{made['link']}?invite={body['tokens'][0]}"
    too_many = await survey.post(f"/surveys/{made['id']}/invitations", json={"count": 0})
    problem(too_many, 422, "/problems/invalid-request")
    nowhere = await survey.post(f"/surveys/{uuid.uuid4()}/invitations", json={"count": 1})
    problem(nowhere, 404, "/problems/survey-not-found")


async def test_qr_codes_encode_the_link_as_png_and_svg(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001")
    png = await survey.get(f"/surveys/{made['id']}/qr.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    expected = io.BytesIO()
    segno.make(made["link"], error="m").save(expected, kind="png", scale=8, border=4)
    assert png.content == expected.getvalue()  # the code holds exactly the link
    svg = await survey.get(f"/surveys/{made['id']}/qr.svg", params={"scale": 2})
    assert svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    problem(await survey.get(f"/surveys/{uuid.uuid4()}/qr.png"), 404, "/problems/survey-not-found")
    problem(
        await survey.get(f"/surveys/{made['id']}/qr.svg", params={"scale": 0}),
        422,
        "/problems/invalid-request",
    )
