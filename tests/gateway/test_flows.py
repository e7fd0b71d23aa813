"""Survey tokens reach their survey only; Idempotency-Key acts once; metrics and CORS."""

import asyncio
import uuid

import pytest
from asgi_lifespan import LifespanManager

from gateway.main import create_app
from services.kit.clients import service_client
from tests.conftest import NewDatabase
from tests.gateway.conftest import Client, gateway_settings, local_settings

pytestmark = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
SURVEY = "/api/v1/survey"
PROJECT = {"name": "幂等测试项目", "year": 2024}


async def test_a_survey_token_reaches_its_survey_and_nothing_else(clients: Client) -> None:
    admin = clients()
    copied = await admin.post(f"{SURVEY}/templates/seed001/copies")
    assert copied.status_code == 201, copied.text
    body = {"questionnaire_key": copied.json()["key"], "name": "满意度调查"}
    survey = (await admin.post(f"{SURVEY}/surveys", json=body)).json()
    token, respondent = survey["public_token"], clients(None)
    form = await respondent.get(f"{SURVEY}/s/{token}/form")
    assert form.status_code == 200, form.text
    assert form.json()["survey_id"] == survey["id"]
    assert form.headers["ratelimit-limit"] == "120"
    answers = {"1": "满意", "2": "满意", "3": "非常满意"}
    sheet = {"id": str(uuid.uuid4()), "answers": answers}
    stored = await respondent.post(f"{SURVEY}/s/{token}/sheets", json=sheet)
    assert stored.status_code not in {401, 403, 429}, stored.text  # reached the survey service
    assert (await respondent.get(f"{SURVEY}/s/not-a-token/form")).status_code == 404
    for path in (
        f"{SURVEY}/surveys/{survey['id']}",
        f"{SURVEY}/surveys",
        f"{SURVEY}/s/{token}/../../surveys",
        f"{SURVEY}/s/{token}%2F..%2F..%2Fsurveys/form",
        f"{SURVEY}/surveys/{survey['id']}/sheets",
        "/api/v1/scoring/projects",
        "/api/v1/reports/templates",
        "/admin/clients",
    ):
        refused = await respondent.get(path)
        assert refused.status_code == 401, (path, refused.status_code)


async def test_a_post_repeated_with_its_idempotency_key_acts_once(clients: Client) -> None:
    admin = clients()
    headers = {"idempotency-key": "create-project-1"}
    first = await admin.post("/api/v1/scoring/projects", json=PROJECT, headers=headers)
    again = await admin.post("/api/v1/scoring/projects", json=PROJECT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = await admin.post(
        "/api/v1/scoring/projects", json={**PROJECT, "year": 2025}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    racing = {"idempotency-key": "create-project-2"}
    twins = await asyncio.gather(
        *(admin.post("/api/v1/scoring/projects", json=PROJECT, headers=racing) for _ in range(5))
    )
    assert {t.status_code for t in twins} <= {201, 409}
    assert len({t.json()["id"] for t in twins if t.status_code == 201}) == 1
    projects = (await admin.get("/api/v1/scoring/projects")).json()["items"]
    assert len(projects) == 2
    unkeyed = [await admin.post("/api/v1/scoring/projects", json=PROJECT) for _ in range(2)]
    assert unkeyed[0].json()["id"] != unkeyed[1].json()["id"]


async def test_metrics_count_requests_limits_and_circuits(clients: Client) -> None:
    admin = clients()
    await admin.get("/api/v1/scoring/templates")
    await clients(None).get("/api/v1/scoring/templates")
    text = (await clients(None).get("/metrics")).text
    assert 'jixiao_gateway_requests_total{method="GET",service="scoring",status="2xx"} 1.0' in text
    assert 'jixiao_gateway_auth_failures_total{service="scoring",status="401"} 1.0' in text
    assert 'jixiao_gateway_circuit_state{service="survey"} 0.0' in text
    assert "jixiao_gateway_upstream_seconds_bucket" in text


async def test_cors_preflight_is_answered_for_configured_origins(new_database: NewDatabase) -> None:
    settings = gateway_settings(new_database, cors_origins=["https://survey.example.cn"])
    app = create_app(settings, local_settings(new_database))
    async with LifespanManager(app) as manager, service_client("http://t", manager.app) as client:
        preflight = await client.options(
            f"{SURVEY}/s/abc/sheets",
            headers={
                "origin": "https://survey.example.cn",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,idempotency-key",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://survey.example.cn"
        other = await client.get("/healthz", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
