"""The gateway's per-request metrics, as Prometheus reads them."""

from prometheus_client import generate_latest

from gateway.metrics import Metrics


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
