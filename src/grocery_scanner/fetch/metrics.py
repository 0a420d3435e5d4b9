"""The metrics layer: every request counted by store and outcome and timed, into the process's
Prometheus metrics, and tallied per store for the run that made it."""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from grocery_scanner.errors import FetchError
from grocery_scanner.fetch.chain import Fetched, Fetcher, Layer

if TYPE_CHECKING:
    from grocery_scanner.monitoring.metrics import Metrics
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile


class MetricsLayer(Layer):
    """Requests by store and outcome ("ok" or the failure class) and their duration."""

    def __init__(self, inner: Fetcher, metrics: Metrics | None = None) -> None:
        super().__init__(inner)
        self.metrics = metrics
        self.outcomes: Counter[tuple[str, str]] = Counter()  # this chain's own, for its run's figures

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        started = time.perf_counter()
        try:
            fetched = await self.inner.fetch(profile, request)
        except FetchError as exc:
            self._count(profile.id, type(exc).__name__, time.perf_counter() - started)
            raise
        self._count(profile.id, "ok", fetched.elapsed_s)
        return fetched

    def _count(self, store_id: str, outcome: str, seconds: float) -> None:
        self.outcomes[store_id, outcome] += 1
        if self.metrics is not None:
            self.metrics.requests.labels(store_id, outcome).inc()
            if outcome != "CircuitOpen":  # not sent: no time of the store's
                self.metrics.request_seconds.labels(store_id).observe(seconds)

    def per_store(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (store_id, _), count in self.outcomes.items():
            totals[store_id] += count
        return dict(totals)
