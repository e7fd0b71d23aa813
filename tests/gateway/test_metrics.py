"""The gateway's per-request metrics, as Prometheus reads them."""

import pytest
from asgi_lifespan import LifespanManager
from prometheus_client import generate_latest

from gateway import runtime
from gateway.main import create_app
from gateway.metrics import Metrics
from tests.conftest import NewDatabase
from tests.gateway.conftest import gateway_settings, local_settings


def test_latency_buckets_are_cumulative_and_bounds_inclusive() -> None:
    metrics = Metrics()
    traffic = metrics.traffic
    for seconds in (0.001, 0.003, 0.003, 50.0):  # 0.001 is on a bound: counted in le="0.001"
        traffic.answered("scoring", "GET", 200, seconds)
    traffic.answered("survey", "POST", 503, 0.2)
    text = generate_latest(metrics.registry).decode()
    lines = {line for line in text.splitlines() if not line.startswith("#")}
    assert 'jixiao_gateway_requests_total{method="GET",service="scoring",status="2xx"} 4.0' in lines
    assert 'jixiao_gateway_requests_total{method="POST",service="survey",status="5xx"} 1.0' in lines
    scoring = 'jixiao_gateway_request_seconds_bucket{le="%s",service="scoring"} %s'
    assert scoring % ("0.001", "1.0") in lines
    assert scoring % ("0.0025", "1.0") in lines
    assert scoring % ("0.005", "3.0") in lines
    assert scoring % ("30.0", "3.0") in lines
    assert scoring % ("+Inf", "4.0") in lines
    assert 'jixiao_gateway_request_seconds_count{service="scoring"} 4.0' in lines
    assert 'jixiao_gateway_request_seconds_sum{service="scoring"} 50.007' in lines
    assert 'jixiao_gateway_request_seconds_bucket{le="0.25",service="survey"} 1.0' in lines
    assert 'jixiao_gateway_request_seconds_bucket{le="0.1",service="survey"} 0.0' in lines


def test_upstream_latency_is_its_own_histogram() -> None:
    metrics = Metrics()
    metrics.traffic.upstream_latency.observe("report", 0.04)
    text = generate_latest(metrics.registry).decode()
    assert 'jixiao_gateway_upstream_seconds_bucket{le="0.05",service="report"} 1.0' in text
    assert 'jixiao_gateway_upstream_seconds_bucket{le="0.025",service="report"} 0.0' in text
    assert "jixiao_gateway_request_seconds_count" not in text  # nothing answered yet


def test_each_process_says_when_it_started() -> None:
    text = generate_latest(Metrics().registry).decode()
    started = next(line for line in text.splitlines() if line.startswith("process_start_time"))
    assert float(started.split()[1]) > 1.7e9  # a Unix time: after 2023


@pytest.mark.parametrize(
    ("environ", "refused"),
    [
        ({}, False),
        ({"WEB_CONCURRENCY": "1"}, False),
        ({"WEB_CONCURRENCY": ""}, False),
        ({"WEB_CONCURRENCY": "2"}, True),
        ({"WEB_CONCURRENCY": " 8 "}, True),
    ],
)
def test_a_gateway_runs_as_the_only_worker_of_its_process(
    environ: dict[str, str], refused: bool
) -> None:
    if refused:
        with pytest.raises(runtime.SeveralWorkers, match="one gateway worker per process"):
            runtime.one_worker(environ)
    else:
        runtime.one_worker(environ)


@pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
async def test_a_gateway_told_to_run_several_workers_does_not_start(
    new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "4")  # uvicorn's default for --workers
    app = create_app(gateway_settings(new_database), local_settings(new_database))
    with pytest.raises(runtime.SeveralWorkers, match="WEB_CONCURRENCY=4"):
        async with LifespanManager(app):
            pass
