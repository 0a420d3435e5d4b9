"""The metrics layer: every request counted by store and outcome (Prometheus plugs in here)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from grocery_scanner.errors import FetchError
from grocery_scanner.fetch.chain import Fetched, Fetcher, Layer

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile


class CountingLayer(Layer):
    """Requests by store and outcome ("ok" or the failure class); the metrics layer's seam."""

    def __init__(self, inner: Fetcher) -> None:
        super().__init__(inner)
        self.outcomes: Counter[tuple[str, str]] = Counter()

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        try:
            fetched = await self.inner.fetch(profile, request)
        except FetchError as exc:
            self.outcomes[profile.id, type(exc).__name__] += 1
            raise
        self.outcomes[profile.id, "ok"] += 1
        return fetched

    def per_store(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (store_id, _), count in self.outcomes.items():
            totals[store_id] += count
        return dict(totals)
