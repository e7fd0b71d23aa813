"""Prometheus metrics of one gateway process: requests, latency, upstreams, limits, circuits.

Every number counts this process only: a gateway runs one worker per process (gateway.runtime
refuses more) and each replica is scraped as its own target; queries sum over instances.
"""

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
BOUNDS = (*(repr(float(b)) for b in LATENCY_BUCKETS), "+Inf")  # as Prometheus prints them


class Latency:
    """A latency histogram by one label, kept as plain numbers and read at scrape time.

    Every forwarded request records two of these: prometheus_client's own Histogram costs a
    label lookup, a lock and a scan of the buckets each time, a tenth of the gateway's own work
    on a trivial route (measured here).
    """

    def __init__(self, name: str, documentation: str, label: str) -> None:
        self.name, self.documentation, self.label = name, documentation, label
        self.counts: dict[str, list[int]] = {}  # per label value: one count per bucket, then +Inf
        self.sums: dict[str, float] = {}

    def observe(self, value: str, seconds: float) -> None:
        """Record one duration."""
        counts = self.counts.get(value)
        if counts is None:
            counts = self.counts[value] = [0] * (len(LATENCY_BUCKETS) + 1)
            self.sums[value] = 0.0
        counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.sums[value] += seconds

    def family(self) -> HistogramMetricFamily:
        """Return the histogram as Prometheus reads it (cumulative buckets)."""
        family = HistogramMetricFamily(self.name, self.documentation, labels=[self.label])
        for value, counts in self.counts.items():
            running, buckets = 0, []
            for bound, count in zip(BOUNDS, counts, strict=True):
                running += count
                buckets.append((bound, float(running)))
            family.add_metric([value], buckets, self.sums[value])
        return family


class Traffic:
    """Forwarded requests and their latencies: the per-request metrics, as one collector."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency = Latency(
            "jixiao_gateway_request_seconds",
            "Time to answer a forwarded request, gateway included",
            "service",
        )
        self.upstream_latency = Latency(
            "jixiao_gateway_upstream_seconds", "Time the service took to answer", "service"
        )

    def answered(self, service: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        key = (service, method, _CLASSES[status // 100] if status < 600 else "5xx")
        self.requests[key] = self.requests.get(key, 0) + 1
        self.latency.observe(service, seconds)

    def collect(self) -> Iterator[Metric]:
        """Yield the families (prometheus_client calls this at each scrape)."""
        requests = CounterMetricFamily(
            "jixiao_gateway_requests",
            "Requests answered, by service, method and status class",
            labels=["service", "method", "status"],
        )
        for labels, count in self.requests.items():
            requests.add_metric(list(labels), float(count))
        yield requests
        yield self.latency.family()
        yield self.upstream_latency.family()


_CLASSES = ("0xx", "1xx", "2xx", "3xx", "4xx", "5xx")


class Metrics:
    """The gateway's collectors, in a registry of their own (one per app, tests make many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # process_start_time_seconds tells a restart (every counter from zero) from a lull;
        # CPU and memory per replica come with it.
        ProcessCollector(registry=self.registry)
        self.traffic = Traffic()
        self.registry.register(self.traffic)
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
