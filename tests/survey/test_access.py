"""Organisations: a caller sees its own and shared questionnaires and surveys, changes only its
own, and learns nothing of the rest; unsigned requests are refused."""

from typing import Any

from services.kit import identity
from tests.survey.conftest import Clients, field, likert_sheet, problem

OUTSIDER = identity.Identity("other", "org-b", frozenset({"survey:manage"}), frozenset({"org-b"}))
PARTNER = identity.Identity(
    "partner", "org-c", frozenset({"survey:manage"}), frozenset({"org-c", "org-a"})
)


async def test_another_organisation_finds_nothing(clients: Clients) -> None:
    mine, theirs = await clients(), await clients(OUTSIDER)
    made = await field(mine, "seed001")
    key, survey = made["questionnaire_key"], made["id"]
    problem(await theirs.get(f"/questionnaires/{key}"), 404, "/problems/questionnaire-not-found")
    assert (await theirs.get("/questionnaires")).json()["items"] == []
    assert (await theirs.get("/surveys")).json()["items"] == []
    for path in ("", "/results", "/sheets", "/qr.png", "/exports/answers.csv"):
        problem(await theirs.get(f"/surveys/{survey}{path}"), 404, "/problems/survey-not-found")
    problem(await theirs.patch(f"/surveys/{survey}", json={}), 404, "/problems/survey-not-found")
    body = {"questionnaire_key": key, "name": "borrowed"}
    problem(await theirs.post("/surveys", json=body), 404, "/problems/questionnaire-not-found")
    # The survey's link is the respondents' credential, whoever they are.
    sheet = likert_sheet(("满意", "满意", "满意"))
    assert (await theirs.post(f"/s/{made['public_token']}/sheets", json=sheet)).status_code == 201


async def test_a_partner_reads_what_is_shared_but_changes_nothing(clients: Clients) -> None:
    mine, partner = await clients(), await clients(PARTNER)
    made = await field(mine, "seed001")
    sheet = likert_sheet(("满意", "满意", "满意"))
    await mine.post(f"/s/{made['public_token']}/sheets", json=sheet)
    assert (await partner.get(f"/surveys/{made['id']}/results")).json()["n"] == 1
    listed: list[dict[str, Any]] = (await partner.get("/surveys")).json()["items"]
    assert [s["id"] for s in listed] == [made["id"]]
    closed = await partner.patch(f"/surveys/{made['id']}", json={"target": 9})
    problem(closed, 403, "/problems/read-only")
    review = await partner.put(
        f"/surveys/{made['id']}/sheets/{sheet['id']}/review", json={"state": "rejected"}
    )
    problem(review, 403, "/problems/read-only")
    form = (await partner.get(f"/questionnaires/{made['questionnaire_key']}")).json()
    edit = await partner.put(
        f"/questionnaires/{made['questionnaire_key']}", json=form["questionnaire"]
    )
    problem(edit, 403, "/problems/read-only")
    own = await partner.post(
        "/surveys", json={"questionnaire_key": made["questionnaire_key"], "name": "ours"}
    )
    assert own.status_code == 201  # a shared questionnaire may be fielded by the partner


async def test_a_service_reads_everything_and_unsigned_calls_are_refused(clients: Clients) -> None:
    mine = await clients()
    made = await field(mine, "seed001")
    service = await clients(identity.Identity.service("scoring"))
    assert (await service.get(f"/surveys/{made['id']}/results")).status_code == 200
    unsigned = await clients()
    unsigned.event_hooks["request"] = []
    problem(await unsigned.get(f"/surveys/{made['id']}"), 401, "/problems/unauthenticated")
