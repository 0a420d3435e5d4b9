"""The Prometheus metrics, one registry per process (held by the services).

Names are `grocery_<thing>_<unit>`; labels are bounded (store, outcome, tier, kind), never a product or
a URL. Histograms reach 120 s. The same definitions serve a live process (its fetch chain, cache and
workflows observe into them) and `grocery-scanner metrics`, which replays what the database recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
BREAKER_STATES = {"closed": 0.0, "half-open": 1.0, "open": 2.0}

# (metric, store, value) from live layers; None once the chain it reads is gone (the source is dropped)
LiveSource = Callable[[], Iterable[tuple[str, str, float]] | None]


class _Live(Collector):
    """Each store's breaker state and pacing, read from the live fetch chains when Prometheus asks."""

    def __init__(self) -> None:
        self.sources: list[LiveSource] = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {
            "breaker": GaugeMetricFamily(
                "grocery_breaker_state", "Each store's circuit breaker: 0 closed, 1 half-open, 2 open", labels=["store"]
            ),
            "pacing": GaugeMetricFamily(
                "grocery_pacing_interval_seconds", "Each store's current least time between requests", labels=["store"]
            ),
        }
        for source in list(self.sources):
            figures = source()
            if figures is None:
                self.sources.remove(source)
                continue
            for metric, store, value in figures:
                families[metric].add_metric([store], value)
        yield from families.values()


class Metrics:
    def __init__(self, process: bool = True) -> None:
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "grocery_requests", "Requests to stores, by outcome: ok or the failure class", ["store", "outcome"],
            registry=registry,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "grocery_request_duration_seconds", "How long stores took to answer", ["store"], buckets=BUCKETS,
            registry=registry,
        )  # fmt: skip
        self.cache_lookups = Counter(
            "grocery_cache_lookups", "Cache lookups by tier: hit in that tier, or miss", ["tier", "result"],
            registry=registry,
        )  # fmt: skip
        self.workflows = Counter(
            "grocery_workflows", "Finished workflow runs by kind and outcome", ["kind", "outcome"], registry=registry
        )
        self.workflow_seconds = Histogram(
            "grocery_workflow_duration_seconds", "How long workflow runs took", ["kind", "outcome"], buckets=BUCKETS,
            registry=registry,
        )  # fmt: skip
        self.dead_letters = Gauge(
            "grocery_dead_letters", "Searches waiting in the dead-letter queue", registry=registry
        )
        self.quarantined = Gauge("grocery_quarantined_offers", "Offers the quality gate holds", registry=registry)
        self.quality_score = Gauge(
            "grocery_quality_score", "Each store's price quality score in its latest plan, 0-100", ["store"],
            registry=registry,
        )  # fmt: skip
        self._live = _Live()
        registry.register(self._live)
        if process:  # process_resident_memory_bytes, process_cpu_seconds_total, ...
            ProcessCollector(registry=registry)

    def watch(self, source: LiveSource) -> None:
        """Live figures (breaker states, pacing) a fetch chain reports while it lives."""
        self._live.sources.append(source)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
