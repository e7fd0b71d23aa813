"""A finalized evaluation and its audit log survive every write route of the OpenAPI document.

Issue #8: finalized evaluations cannot be changed through any route, audit records cannot be
edited or deleted through any route. The routes are read from the gateway's document, not
listed by hand, so a route added later is tried too.
"""

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.main import LocalSettings, create_app
from services.kit import testing
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings
from tests import bodies
from tests.conftest import NewDatabase
from tests.gateway.conftest import ADMIN_KEY, gateway_settings

SCORING, SURVEY, REPORTS = "/api/v1/scoring", "/api/v1/survey", "/api/v1/reports"
SEED = Path(__file__).parent.parent / "examples" / "seed001"
PROJECT_FACTS = ("预算资金", "实际到位资金", "实际支出资金")
REOPEN_REASON = "财政局要求复核满意度"


def seed(name: str) -> Any:
    """Load one JSON file of seed 001."""
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
async def gateway(new_database: NewDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding an admin key of the whole system, in-process, on one backend."""
    local = LocalSettings(
        scoring=ScoringSettings(database_url=new_database()),
        survey=SurveySettings(database_url=new_database()),
        # Documents are queued but not made: making a PDF is slow and reads, never writes.
        report=ReportSettings(database_url=new_database(), run_worker=False),
    )
    settings = gateway_settings(
        new_database, default_rate="1000000/minute", public_rate="1000000/minute"
    )
    async with testing.started(create_app(settings, local)) as client:
        client.headers["x-api-key"] = ADMIN_KEY
        yield client


async def created(response: httpx.Response) -> dict[str, Any]:
    """Assert a 201 and return its body."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def finalized_evaluation(gateway: httpx.AsyncClient) -> dict[str, str]:
    """Score seed 001 as an evaluation with a survey and a sheet, finalize it; return its ids."""
    system = await created(await gateway.post(f"{SCORING}/templates/seed001/copies"))
    facts = seed("facts")
    project = await created(
        await gateway.post(
            f"{SCORING}/projects",
            json={
                "name": "2024年度安全生产监管经费项目",
                "year": 2024,
                "facts": {k: facts[k] for k in PROJECT_FACTS},
            },
        )
    )
    body = {
        "project_id": project["id"],
        "system_key": system["key"],
        "facts": {k: v for k, v in facts.items() if k not in PROJECT_FACTS},
        "judgements": seed("judgements"),
        "reported": {k: v["value"] for k, v in seed("reported").items()},
        "texts": seed("texts"),
    }
    evaluation = await created(await gateway.post(f"{SCORING}/evaluations", json=body))
    questionnaire = await created(await gateway.post(f"{SURVEY}/templates/seed001/copies"))
    fielded = {
        "questionnaire_key": questionnaire["key"],
        "name": "满意度调查",
        "project_id": project["id"],
        "evaluation_id": evaluation["id"],
    }
    survey = await created(await gateway.post(f"{SURVEY}/surveys", json=fielded))
    sheet = {"id": str(uuid.uuid4()), "answers": {"1": "满意", "2": "满意", "3": "满意"}}
    await created(await gateway.post(f"{SURVEY}/s/{survey['public_token']}/sheets", json=sheet))
    url = f"{SCORING}/evaluations/{evaluation['id']}"
    for step in ("submit", "finalize"):
        moved = await gateway.post(f"{url}/{step}", json={})
        assert moved.status_code == 200, moved.text
    rate = next(f["name"] for f in system["system"]["facts"] if f.get("type") == "rate")
    return {
        "evaluation_id": evaluation["id"],
        "project_id": project["id"],
        "system_key": system["key"],
        "questionnaire_key": questionnaire["key"],
        "survey_id": survey["id"],
        "sheet_id": sheet["id"],
        "token": survey["public_token"],
        "fact": rate,
        "name": "seed001",
        "version": "1",
    }


async def snapshot(gateway: httpx.AsyncClient, evaluation_id: str) -> dict[str, Any]:
    """Return everything readable of an evaluation: itself, its audit entries, checks, export."""
    url = f"{SCORING}/evaluations/{evaluation_id}"
    evaluation, audit = await gateway.get(url), await gateway.get(f"{url}/audit")
    check, export = await gateway.get(f"{url}/check"), await gateway.get(f"{url}/export?format=csv")
    for response in (evaluation, audit, check, export):
        assert response.status_code == 200, response.text
    return {
        "evaluation": evaluation.json(),
        # Each entry as the bytes it is sent as: byte-identical, not merely equal.
        "audit": [json.dumps(e, ensure_ascii=False) for e in audit.json()["items"]],
        "check": check.json(),
        "export": export.content,
    }


def filled(path: str, ids: dict[str, str]) -> str:
    """Fill a path's parameters with the finalized evaluation's ids ({key}: the service's)."""
    keys = {"key": ids["questionnaire_key" if path.startswith(SURVEY) else "system_key"]}
    return re.sub(r"\{([^}]+)\}", lambda m: {**ids, **keys}[m[1]], path)


def attempts(operation: dict[str, Any], b: bodies.Bodies) -> list[dict[str, Any]]:
    """Return the requests to try on an operation: its minimal and its full body."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = bodies.json_schema(operation)
    if schema is not None:
        return [{"json": b.value(schema)}, {"json": b.value(schema, full=True)}]
    if "multipart/form-data" in content:
        return [{"files": {"file": ("facts.xlsx", b"not a workbook")}}]
    if content:
        media = next(iter(content))
        return [{"content": b"not a document", "headers": {"content-type": media}}]
    return [{}]


def reached_the_route(response: httpx.Response) -> bool:
    """Tell whether a request got past validation to the route's own logic."""
    if response.status_code != 422:
        return True
    return bool(response.json().get("type") != "/problems/invalid-request")


async def test_no_route_changes_a_finalized_evaluation_or_its_audit_log_but_reopen(
    gateway: httpx.AsyncClient,
) -> None:
    document = (await gateway.get("/openapi.json")).json()
    operations = list(bodies.write_operations(document))
    assert [p for _, p, _ in operations if "audit" in p] == []  # no route edits or deletes one
    assert any("audit" in p and "get" in item for p, item in document["paths"].items())

    ids = await finalized_evaluation(gateway)
    frozen = await snapshot(gateway, ids["evaluation_id"])
    assert frozen["evaluation"]["status"] == "finalized"
    assert frozen["evaluation"]["result"]["total"] == "88.00"
    linked = ("evaluation_id", "project_id", "system_key", "questionnaire_key", "survey_id")
    b = bodies.Bodies(document, {**{k: ids[k] for k in linked}, bodies.KEY: ids["fact"]})
    reopen = [
        (method, path)
        for method, path, operation in operations
        if "{evaluation_id}" in path and operation.get("summary", "").startswith("Reopen")
    ]
    assert reopen == [("post", f"{SCORING}/evaluations/{{evaluation_id}}/reopen")]
    tried: dict[str, list[int]] = {}
    for method, path, operation in operations:
        if not path.startswith("/api/v1/") or (method, path) in reopen:
            continue  # the gateway's own routes keep keys and webhooks, no evaluation data
        url = filled(path, ids)
        for request in attempts(operation, b):
            response = await gateway.request(method.upper(), url, **request)
            assert response.status_code < 500, (method, path, response.text)
            tried.setdefault(f"{method.upper()} {path}", []).append(response.status_code)
            if "{evaluation_id}" in path:
                assert reached_the_route(response), (method, path, response.text)
        assert await snapshot(gateway, ids["evaluation_id"]) == frozen, (method, path)
    addressing = {op for op in tried if "{evaluation_id}" in op}
    assert {
        f"PATCH {SCORING}/evaluations/{{evaluation_id}}",
        f"PUT {SCORING}/evaluations/{{evaluation_id}}/sources/{{fact}}",
        f"POST {SCORING}/evaluations/{{evaluation_id}}/finalize",
        f"POST {REPORTS}/evaluations/{{evaluation_id}}/documents",
    } <= addressing
    assert tried[f"PATCH {SCORING}/evaluations/{{evaluation_id}}"] == [409, 409]

    method, path = reopen[0]
    reopened = await gateway.request(
        method.upper(), filled(path, ids), json={"reason": REOPEN_REASON}
    )
    assert reopened.status_code == 200, reopened.text
    after = await snapshot(gateway, ids["evaluation_id"])
    before, now = frozen["evaluation"], after["evaluation"]
    changed = {k for k in before if before[k] != now[k]}
    assert changed == {"status", "revision", "updated_at"}
    assert (now["status"], now["revision"]) == ("draft", before["revision"] + 1)
    assert after["audit"][:-1] == frozen["audit"]
    entry = json.loads(after["audit"][-1])
    assert (entry["action"], entry["field"], entry["old"], entry["new"], entry["reason"]) == (
        "reopen",
        "status",
        "finalized",
        "draft",
        REOPEN_REASON,
    )
    # Unfrozen, the result is scored again from the same inputs: the same 88.00 良.
    assert (after["check"], after["export"]) == (frozen["check"], frozen["export"])


@pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
async def test_a_pinned_system_version_is_readable_after_a_refused_request(
    gateway: httpx.AsyncClient,
) -> None:
    system = await created(await gateway.post(f"{SCORING}/templates/seed001/copies"))
    rate = next(f["name"] for f in system["system"]["facts"] if f.get("type") == "rate")
    project = await created(
        await gateway.post(f"{SCORING}/projects", json={"name": "项目", "year": 2024})
    )
    body = {"project_id": project["id"], "system_key": system["key"]}
    refused = await gateway.post(f"{SCORING}/evaluations", json={**body, "facts": {rate: True}})
    assert refused.status_code == 422, refused.text  # a rate cannot be true: rolled back
    await created(await gateway.post(f"{SCORING}/evaluations", json={**body, "version": 1}))
