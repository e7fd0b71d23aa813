"""Reading the other services: their failures become problems, a missing survey a note."""

import uuid
from collections.abc import Callable

import httpx
import pytest

from services.kit.problems import Problem
from services.report import clients, errors

Handler = Callable[[httpx.Request], httpx.Response]
RESULTS = {
    "survey_id": "s1",
    "n": 52,
    "satisfaction": "0.9872",
    "satisfaction_percent": "98.72%",
    "questions": [{"code": "q1", "text": "整体", "counts": {"非常满意": 49, "满意": 3}, "n": 52}],
}


def _client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="http://peer", transport=httpx.MockTransport(handler))


async def test_survey_results_are_read_when_a_source_names_a_survey() -> None:
    async with _client(lambda request: httpx.Response(200, json=RESULTS)) as client:
        found = await clients.survey(client, "市民满意度", {"survey_id": "s1", "n": 52})
    assert found is not None
    assert found.results is not None
    assert found.results.questions[0].counts == {"非常满意": 49, "满意": 3}
    async with _client(lambda request: httpx.Response(500)) as client:
        assert await clients.survey(client, "市民满意度", {"n": 52}) is None  # no survey named


@pytest.mark.parametrize(
    "handler",
    [
        lambda request: httpx.Response(404, json={"title": "Not found"}),
        lambda request: httpx.Response(503),
        lambda request: httpx.Response(200, json={"unexpected": True}),
    ],
)
async def test_survey_results_that_cannot_be_read_leave_a_reason(handler: Handler) -> None:
    async with _client(handler) as client:
        found = await clients.survey(client, "市民满意度", {"survey_id": "s1"})
    assert found is not None
    assert found.results is None
    assert found.unavailable


async def test_a_survey_service_that_is_down_leaves_a_reason() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with _client(refuse) as client:
        found = await clients.survey(client, "市民满意度", {"survey_id": "s1"})
    assert found is not None
    assert found.unavailable
    assert "not reachable" in found.unavailable


@pytest.mark.parametrize(
    ("handler", "problem"),
    [
        (lambda request: httpx.Response(404, json={}), errors.EvaluationNotFound),
        (lambda request: httpx.Response(500, json={}), errors.UpstreamFailed),
        (lambda request: httpx.Response(200, content=b"not json"), errors.UpstreamFailed),
    ],
)
async def test_scoring_failures_become_problems(handler: Handler, problem: type[Problem]) -> None:
    async with _client(handler) as client:
        with pytest.raises(problem):
            await clients.evaluation(client, uuid.uuid4())


async def test_a_scoring_timeout_is_a_503_problem() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with _client(slow) as client:
        with pytest.raises(errors.UpstreamUnavailable) as caught:
            await clients.evaluation(client, uuid.uuid4())
    assert caught.value.status == 503
