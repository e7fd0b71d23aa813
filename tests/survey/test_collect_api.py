"""Collection over HTTP: one sheet, repeats, conflicts, windows, invitations and batches."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine

from services.kit import db
from services.survey.models import SurveyModel
from tests.survey.conftest import field, likert_sheet, points_sheet, problem

GOOD = ("非常满意", "满意", "一般")


async def _results(client: httpx.AsyncClient, survey_id: str) -> dict[str, Any]:
    response = await client.get(f"/surveys/{survey_id}/results")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_resubmitted_sheet_is_stored_once_and_gets_its_first_receipt(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed001")
    sheet = likert_sheet(GOOD)
    first = await survey.post(f"/s/{made['public_token']}/sheets", json=sheet)
    assert first.status_code == 201, first.text
    again = await survey.post(f"/s/{made['public_token']}/sheets", json=sheet)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert (await _results(survey, made["id"]))["n"] == 1
    changed = {**sheet, "answers": {**sheet["answers"], "3": "非常满意"}}
    conflict = await survey.post(f"/s/{made['public_token']}/sheets", json=changed)
    body = problem(conflict, 409, "/problems/sheet-conflict")
    assert sheet["id"] in body["detail"]
    assert (await _results(survey, made["id"]))["n"] == 1


async def test_a_sheet_id_belongs_to_one_survey(survey: httpx.AsyncClient) -> None:
    one, two = await field(survey, "seed001"), await field(survey, "seed001")
    sheet = likert_sheet(GOOD)
    assert (await survey.post(f"/s/{one['public_token']}/sheets", json=sheet)).status_code == 201
    elsewhere = await survey.post(f"/s/{two['public_token']}/sheets", json=sheet)
    problem(elsewhere, 409, "/problems/sheet-conflict")


async def test_invalid_answers_are_422_per_question_and_store_nothing(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed002")
    sheet = points_sheet([10, 11, 10, 10, 10, 10, 10, 10, 10, 10])
    del sheet["answers"]["7"]
    sheet["header"] = {"填写日期": "六月"}
    response = await survey.post(f"/s/{made['public_token']}/sheets", json=sheet)
    body = problem(response, 422, "/problems/invalid-sheet")
    assert {e["path"] for e in body["errors"]} == {
        "body.answers.2",
        "body.answers.7",
        "body.header.填写日期",
    }
    shape = await survey.post(f"/s/{made['public_token']}/sheets", json={"answers": {}})
    problem(shape, 422, "/problems/invalid-request")
    assert (await _results(survey, made["id"]))["n"] == 0


async def test_unknown_closed_and_unopened_surveys_are_refused(survey: httpx.AsyncClient) -> None:
    problem(
        await survey.post("/s/no-such-token/sheets", json=likert_sheet(GOOD)),
        404,
        "/problems/survey-not-found",
    )
    problem(await survey.get("/s/no-such-token/form"), 404, "/problems/survey-not-found")
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    early = await field(survey, "seed001", opens_at=soon)
    refused = await survey.post(f"/s/{early['public_token']}/sheets", json=likert_sheet(GOOD))
    problem(refused, 409, "/problems/survey-not-open")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    late = await field(survey, "seed001", closes_at=past)
    closed = await survey.post(f"/s/{late['public_token']}/sheets", json=likert_sheet(GOOD))
    problem(closed, 409, "/problems/survey-closed")


async def test_a_sheet_filled_in_before_the_close_is_taken_late_within_the_grace(
    survey: httpx.AsyncClient,
) -> None:
    closed_at = datetime.now(UTC) - timedelta(hours=1)
    made = await field(survey, "seed001", closes_at=closed_at.isoformat())
    before = likert_sheet(GOOD, answered_at=(closed_at - timedelta(hours=2)).isoformat())
    after = likert_sheet(GOOD, answered_at=(closed_at + timedelta(minutes=5)).isoformat())
    assert (await survey.post(f"/s/{made['public_token']}/sheets", json=before)).status_code == 201
    problem(
        await survey.post(f"/s/{made['public_token']}/sheets", json=after),
        409,
        "/problems/survey-closed",
    )


async def test_single_use_invitations_answer_once_and_stay_anonymous(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed001", invitation_only=True)
    token = (await survey.post(f"/surveys/{made['id']}/invitations", json={"count": 1})).json()[
        "tokens"
    ][0]
    url = f"/s/{made['public_token']}/sheets"
    without = await survey.post(url, json=likert_sheet(GOOD))
    body = problem(without, 422, "/problems/invalid-sheet")
    assert [e["path"] for e in body["errors"]] == ["body.invitation"]
    problem(
        await survey.post(url, json=likert_sheet(GOOD, invitation="forged")),
        403,
        "/problems/invitation-invalid",
    )
    sheet = likert_sheet(GOOD, invitation=token)
    assert (await survey.post(url, json=sheet)).status_code == 201
    assert (await survey.post(url, json=sheet)).status_code == 200  # a retry is not a second use
    problem(
        await survey.post(url, json=likert_sheet(GOOD, invitation=token)),
        409,
        "/problems/invitation-used",
    )
    stored = (await survey.get(f"/surveys/{made['id']}/sheets")).json()["items"]
    assert len(stored) == 1
    assert token not in str(stored)
    counts = (await survey.post(f"/surveys/{made['id']}/invitations", json={"count": 1})).json()
    assert (counts["made"], counts["used"]) == (2, 1)


async def test_a_batch_with_one_bad_sheet_stores_the_good_ones_and_names_the_bad(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed001", groups=["企业", "市民"])
    url = f"/s/{made['public_token']}/sheets/batch"
    stored_before = likert_sheet(GOOD)
    await survey.post(f"/s/{made['public_token']}/sheets", json=stored_before)
    sheets: list[Any] = [likert_sheet(GOOD, group="市民") for _ in range(4)]
    sheets[1]["answers"]["2"] = "还行"
    sheets.append(stored_before)
    sheets.append({"answers": {"1": "满意"}})  # no id
    sheets.append(sheets[0])  # sent twice in the batch
    response = await survey.post(url, json={"sheets": sheets})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["stored"], body["repeated"], body["failed"]) == (3, 2, 2)
    listed = [(item["index"], item["status"]) for item in body["items"]]
    assert listed == [(1, 422), (4, 200), (5, 422), (6, 200)]  # the rest: stored now (201)
    bad = body["items"][0]
    assert bad["id"] == sheets[1]["id"]
    assert bad["problem"]["type"] == "/problems/invalid-sheet"
    assert [e["path"] for e in bad["problem"]["errors"]] == ["body.sheets[1].answers.2"]
    assert [e["path"] for e in body["items"][2]["problem"]["errors"]] == ["body.sheets[5].id"]
    assert body["items"][3]["received_at"] == body["received_at"]  # sheet 0, sent twice
    found = await _results(survey, made["id"])
    assert (found["n"], found["groups"]) == (4, {"市民": 3})
    again = (await survey.post(url, json={"sheets": sheets})).json()
    assert (again["stored"], again["repeated"], again["failed"]) == (0, 5, 2)


async def test_batch_problems_are_404_and_422(survey: httpx.AsyncClient) -> None:
    url = "/s/no-such-token/sheets/batch"
    problem(
        await survey.post(url, json={"sheets": [likert_sheet(GOOD)]}),
        404,
        "/problems/survey-not-found",
    )
    made = await field(survey, "seed001")
    empty = await survey.post(f"/s/{made['public_token']}/sheets/batch", json={"sheets": []})
    problem(empty, 422, "/problems/invalid-request")


async def test_an_app_reads_the_form_of_a_survey(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed002", groups=["企业"])
    form = await survey.get(f"/s/{made['public_token']}/form")
    assert form.status_code == 200
    body = form.json()
    assert (body["survey_id"], body["status"], body["groups"]) == (made["id"], "open", ["企业"])
    assert len(body["questionnaire"]["questions"]) == 10


async def test_a_survey_closed_by_another_process_is_noticed_at_once(
    survey: httpx.AsyncClient, database_url: str
) -> None:
    made = await field(survey, "seed001", groups=["市民"])
    url = f"/s/{made['public_token']}/sheets"
    assert (await survey.post(url, json=likert_sheet(GOOD))).status_code == 201  # remembered
    engine = create_engine(db.sync_url(database_url))
    past = datetime.now(UTC) - timedelta(minutes=1)
    with engine.begin() as connection:  # as another process of the service would
        table = SurveyModel.metadata.tables["survey"]
        connection.execute(table.update().values(closes_at=past))
    engine.dispose()
    problem(await survey.post(url, json=likert_sheet(GOOD)), 409, "/problems/survey-closed")
    reopened = await survey.patch(f"/surveys/{made['id']}", json={"closes_at": None, "groups": []})
    assert reopened.status_code == 200
    assert (await survey.post(url, json=likert_sheet(GOOD, group="企业"))).status_code == 201
