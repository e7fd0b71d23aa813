"""Prometheus metrics of one gateway process: requests, latency, upstreams, limits, circuits."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """The gateway's collectors, in a registry of their own (one per app, tests make many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "jixiao_gateway_requests",
            "Requests answered, by service, method and status class",
            ["service", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "jixiao_gateway_request_seconds",
            "Time to answer a forwarded request, gateway included",
            ["service"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "jixiao_gateway_upstream_seconds",
            "Time the service took to answer",
            ["service"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "jixiao_gateway_upstream_errors",
            "Services unreachable, timed out or refused by an open circuit",
            ["service", "kind"],
            registry=self.registry,
        )
        self.limited = Counter(
            "jixiao_gateway_rate_limited",
            "Requests refused with 429",
            ["service", "bucket"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "jixiao_gateway_auth_failures",
            "Requests refused with 401 or 403",
            ["service", "status"],
            registry=self.registry,
        )
        self.circuit = Gauge(
            "jixiao_gateway_circuit_state",
            "Circuit of each service: 0 closed, 1 half-open, 2 open",
            ["service"],
            registry=self.registry,
        )
        self.webhook_deliveries = Counter(
            "jixiao_gateway_webhook_events",
            "Webhook deliveries queued, by event",
            ["event"],
            registry=self.registry,
        )
