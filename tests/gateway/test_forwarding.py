"""The gateway forwards to in-process services: statuses, problems, request ids, one OpenAPI."""

import re

import httpx


async def test_readyz_reports_every_service(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "services": {
            "scoring": {"status": "ready"},
            "survey": {"status": "ready"},
            "report": {"status": "ready"},
        },
    }


async def test_each_public_segment_reaches_its_service(gateway: httpx.AsyncClient) -> None:
    for segment, service in [("scoring", "scoring"), ("survey", "survey"), ("reports", "report")]:
        response = await gateway.get(f"/api/v1/{segment}/readyz")
        assert response.status_code == 200
        assert response.json()["service"] == service


async def test_unknown_service_is_a_404_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/payroll/anything")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "reports, scoring, survey" in response.json()["detail"]


async def test_unknown_route_in_a_service_is_its_404_problem_at_the_public_path(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/api/v1/scoring/no-such-thing?x=1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == "/api/v1/scoring/no-such-thing"


async def test_request_id_is_kept_when_given(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/survey/healthz", headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    assert response.headers.get_list("x-request-id") == ["trace-42"]


async def test_request_id_is_made_when_absent(gateway: httpx.AsyncClient) -> None:
    first = (await gateway.get("/healthz")).headers["x-request-id"]
    second = (await gateway.get("/api/v1/scoring/healthz")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


async def test_body_over_the_limit_is_413(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/api/v1/scoring/x", content=b"x" * (20 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_openapi_merges_every_service_under_its_public_path(
    gateway: httpx.AsyncClient,
) -> None:
    document = (await gateway.get("/openapi.json")).json()
    paths = document["paths"]
    for segment in ("scoring", "survey", "reports"):
        assert f"/api/v1/{segment}/readyz" in paths
    assert "/readyz" in paths
    operation_ids = [
        operation["operationId"]
        for item in paths.values()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operation_ids) == len(set(operation_ids))
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(document).replace("'", '"')))
    assert refs <= set(document["components"]["schemas"])
    docs = await gateway.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
