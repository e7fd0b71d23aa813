"""Every error a service can produce is RFC 9457 problem+json."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from services.kit import problems
from services.kit.clients import service_client


class Widget(BaseModel):
    name: str = Field(min_length=1)
    weight: int


def _app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.post("/widgets")
    async def create_widget(widget: Widget) -> Widget:
        return widget

    @app.get("/widgets")
    async def list_widgets() -> list[Widget]:
        return []

    @app.get("/conflict")
    async def conflict() -> None:
        raise problems.Conflict("widget 7 is finalized", widget=7)

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with service_client("http://test", _app()) as client:
        yield client


def _assert_problem(response: httpx.Response, status: int, type_: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["type"] == type_
    return body


async def test_validation_error_names_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/widgets", json={"name": "", "weight": "heavy"})
    body = _assert_problem(response, 422, "/problems/invalid-request")
    errors = body["errors"]
    assert isinstance(errors, list)
    assert sorted(e["path"] for e in errors) == ["body.name", "body.weight"]
    assert body["instance"] == "/widgets"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    _assert_problem(await client.get("/nowhere"), 404, "about:blank")
    response = await client.delete("/widgets")
    body = _assert_problem(response, 405, "about:blank")
    assert body["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "GET, POST"  # both routes of the path, not the first


async def test_unparseable_body_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/widgets", content=b"\xff{", headers={"content-type": "application/json"}
    )
    body = _assert_problem(response, 400, "about:blank")
    assert body["title"] == "Bad Request"


async def test_conflict_carries_detail_and_extensions(client: httpx.AsyncClient) -> None:
    body = _assert_problem(await client.get("/conflict"), 409, "/problems/conflict")
    assert body["detail"] == "widget 7 is finalized"
    assert body["widget"] == 7


async def test_unhandled_error_is_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/crash")
    body = _assert_problem(response, 500, "/problems/internal")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["title"] == "Internal Server Error"


async def test_instance_is_the_public_path_behind_the_gateway(client: httpx.AsyncClient) -> None:
    response = await client.get("/conflict", headers={"x-forwarded-prefix": "/api/v1/widgets"})
    assert response.json()["instance"] == "/api/v1/widgets/conflict"


def test_openapi_declares_problem_json_for_errors() -> None:
    app = _app()

    @app.get("/declared", responses=problems.problem_responses(problems.Conflict))
    async def declared() -> None:
        return None

    schema = problems.document_problems(app.openapi())
    responses = schema["paths"]["/declared"]["get"]["responses"]
    assert set(responses) == {"200", "409", "422"}
    widgets = schema["paths"]["/widgets"]["post"]["responses"]
    assert list(widgets["400"]["content"]) == ["application/problem+json"]
    assert list(responses["409"]["content"]) == ["application/problem+json"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert "ProblemDetail" in schema["components"]["schemas"]
