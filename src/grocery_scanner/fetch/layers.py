"""Today's layers of the fetch chain: counting, status mapping and pacing.

Order (outermost first) is the `fetch_layers` setting; the default counts every request's outcome,
maps answers to failure classes, then paces the requests that actually go out.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from grocery_scanner.errors import Blocked, ClientError, FetchError, ParseError, RateLimited, ServerError
from grocery_scanner.fetch.chain import Fetched, Fetcher, Layer, LayerFactory
from grocery_scanner.reliability.pacing import Pacer

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

MAX_BODY_CHARS = 20 * 1024 * 1024
BLOCK_MARKERS = ("captcha", "access denied", "are you a robot", "request unsuccessful")
DEFAULT_ORDER = ("metrics", "status", "pacing")


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def classify(fetched: Fetched) -> FetchError | None:
    """The failure class of an answer, or None when it is a page to read."""
    store_id, status = fetched.store_id, fetched.status
    if status == 429:
        return RateLimited(store_id, "HTTP 429 Too Many Requests", retry_after_s(fetched.headers.get("Retry-After")))
    if status in (401, 403, 412):
        return Blocked(store_id, f"HTTP {status}: blocked by the store")
    if status == 408 or status >= 500:
        return ServerError(store_id, f"HTTP {status}")
    if status >= 400:
        return ClientError(store_id, f"HTTP {status}")
    if len(fetched.text) > MAX_BODY_CHARS:
        return ParseError(store_id, f"response larger than {MAX_BODY_CHARS} characters")
    if fetched.headers.get("content-type", "").startswith("text/html") and any(
        marker in fetched.text[:5000].lower() for marker in BLOCK_MARKERS
    ):
        return Blocked(store_id, "the store answered with a block page")
    return None


class StatusLayer(Layer):
    """Raises the FetchError subclass that names what the store's answer means."""

    name = "status"

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        fetched = await self.inner.fetch(profile, request)
        if error := classify(fetched):
            raise error
        return fetched


class PacingLayer(Layer):
    """Each store's concurrency and request rate, as its profile sets them."""

    name = "pacing"

    def __init__(self, inner: Fetcher) -> None:
        super().__init__(inner)
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._pacers: dict[str, Pacer] = {}

    def pacer(self, profile: StoreProfile) -> Pacer:
        if profile.id not in self._pacers:
            self._slots[profile.id] = asyncio.Semaphore(profile.limits.concurrency)
            self._pacers[profile.id] = Pacer(profile.limits.rate_per_s)
        return self._pacers[profile.id]

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        pacer = self.pacer(profile)
        async with self._slots[profile.id], pacer.slot():
            return await self.inner.fetch(profile, request)


class CountingLayer(Layer):
    """Requests by store and outcome ("ok" or the failure class); the metrics layer's seam."""

    name = "metrics"

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


FACTORIES: dict[str, LayerFactory] = {"metrics": CountingLayer, "status": StatusLayer, "pacing": PacingLayer}
