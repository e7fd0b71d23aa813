"""Organisations: a caller reads what its organisation owns or was shared, changes only its own."""

from typing import Any

import httpx

from services.kit import testing
from services.kit.identity import Identity
from tests.scoring.conftest import Callers, example

OUTSIDER = testing.caller("bureau-zhang", "bureau")  # another finance bureau, nothing shared
SHARED = testing.caller("bureau-zhao", "bureau", "agency")  # the agency shared with it


async def _owned(scoring: httpx.AsyncClient) -> dict[str, Any]:
    system = (await scoring.post("/templates/seed001/copies")).json()
    project = (await scoring.post("/projects", json={"name": "兴宁", "year": 2024})).json()
    evaluation = await scoring.post(
        "/evaluations",
        json={
            "project_id": project["id"],
            "system_key": system["key"],
            "facts": example("seed001", "facts"),
            "judgements": example("seed001", "judgements"),
        },
    )
    assert evaluation.status_code == 201, evaluation.text
    return {"system": system, "project": project, "evaluation": evaluation.json()}


async def test_another_organisation_sees_nothing_and_changes_nothing(
    scoring: httpx.AsyncClient, callers: Callers
) -> None:
    owned = await _owned(scoring)
    assert owned["evaluation"]["org_id"] == "agency"
    outsider = await callers(OUTSIDER)
    key, project_id = owned["system"]["key"], owned["project"]["id"]
    evaluation_id = owned["evaluation"]["id"]
    for path in (
        f"/systems/{key}",
        f"/projects/{project_id}",
        f"/evaluations/{evaluation_id}",
        f"/evaluations/{evaluation_id}/audit",
        f"/evaluations/{evaluation_id}/check",
    ):
        response = await outsider.get(path)
        assert response.status_code == 404, path
    assert (await outsider.get("/systems")).json()["items"] == []
    assert (await outsider.get("/projects")).json()["items"] == []
    scored = await outsider.post("/scores", json={"system_key": key, "version": 1})
    assert scored.status_code == 404
    changed = await outsider.patch(f"/evaluations/{evaluation_id}", json={"reason": "x"})
    assert changed.status_code == 404
    finalize = await outsider.post(f"/evaluations/{evaluation_id}/submit", json={})
    assert finalize.status_code == 404
    assert (await scoring.get(f"/evaluations/{evaluation_id}")).json()["revision"] == 1


async def test_a_shared_organisation_reads_but_cannot_change(
    scoring: httpx.AsyncClient, callers: Callers
) -> None:
    owned = await _owned(scoring)
    reader = await callers(SHARED)
    evaluation_id = owned["evaluation"]["id"]
    read = await reader.get(f"/evaluations/{evaluation_id}")
    assert read.status_code == 200
    assert read.json()["result"]["total"] == "88.00"
    assert [s["key"] for s in (await reader.get("/systems")).json()["items"]] == [
        owned["system"]["key"]
    ]
    for response in (
        await reader.patch(f"/evaluations/{evaluation_id}", json={"facts": {"预算资金": "1"}}),
        await reader.post(f"/evaluations/{evaluation_id}/submit", json={}),
        await reader.patch(f"/projects/{owned['project']['id']}", json={"name": "改名"}),
        await reader.put(f"/systems/{owned['system']['key']}", json=example("seed001", "system")),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/read-only"
    # Its own copy of the shared system is its own to change.
    copy = await reader.post("/systems", json=example("seed001", "system"))
    assert copy.json()["org_id"] == "bureau"


async def test_the_service_itself_reads_every_organisation(
    scoring: httpx.AsyncClient, callers: Callers
) -> None:
    owned = await _owned(scoring)
    service = await callers(Identity.service("report"))
    response = await service.get(f"/evaluations/{owned['evaluation']['id']}")
    assert response.status_code == 200


async def test_a_request_without_the_gateways_signature_is_refused(
    scoring: httpx.AsyncClient, callers: Callers
) -> None:
    forged = await callers(OUTSIDER)
    forged.event_hooks["request"] = []  # sends the headers unsigned
    response = await forged.get("/systems", headers={"x-jixiao-client-id": "admin"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
