"""Search stores over HTTP through their connectors, mapping every failure to its class.

One httpx client is shared; each store's concurrency and request rate are bounded by its profile.
The reliability layer (retries, circuit breakers) will wrap `StoreClient.fetch_page`, which does
one request and says exactly how it failed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from grocery_scanner.errors import (
    Blocked,
    ClientError,
    FetchError,
    FetchTimeout,
    NetworkError,
    ParseError,
    RateLimited,
    ServerError,
)
from grocery_scanner.models import Offer
from grocery_scanner.reliability.pacing import Pacer
from grocery_scanner.stores.base import ParsedPage, Skip
from grocery_scanner.stores.profiles import StoreProfile
from grocery_scanner.stores.registry import get_connector
from grocery_scanner.text import words

MAX_BODY_BYTES = 20 * 1024 * 1024
BLOCK_MARKERS = ("captcha", "access denied", "are you a robot", "request unsuccessful")


@dataclass
class StoreResult:
    store_id: str
    query: str
    offers: list[Offer] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    requests: int = 0
    error: FetchError | None = None


def _retry_after(value: str | None) -> float | None:
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


def classify_status(store_id: str, response: httpx.Response) -> FetchError | None:
    status = response.status_code
    if status == 429:
        return RateLimited(store_id, "HTTP 429 Too Many Requests", _retry_after(response.headers.get("Retry-After")))
    if status in (401, 403, 412):
        return Blocked(store_id, f"HTTP {status}: blocked by the store")
    if status == 408 or status >= 500:
        return ServerError(store_id, f"HTTP {status}")
    if status >= 400:
        return ClientError(store_id, f"HTTP {status}")
    return None


class StoreClient:
    def __init__(self, timeout_s: float = 10.0, max_pages: int = 2) -> None:
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=True,
            headers={"User-Agent": "grocery-scanner/0.1 (+https://example.invalid/grocery-scanner)"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self.max_pages = max_pages
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._pacers: dict[str, Pacer] = {}
        self.requests: dict[str, int] = {}

    async def __aenter__(self) -> StoreClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _semaphore(self, profile: StoreProfile) -> asyncio.Semaphore:
        if profile.id not in self._semaphores:
            self._semaphores[profile.id] = asyncio.Semaphore(profile.limits.concurrency)
            self._pacers[profile.id] = Pacer(profile.limits.rate_per_s)
        return self._semaphores[profile.id]

    async def fetch_page(self, profile: StoreProfile, query: str, page: int) -> ParsedPage:
        """One request, one parsed page; raises the FetchError subclass that names the failure."""
        connector = get_connector(profile.connector)
        spec = connector.build_request(profile, query, page)
        async with self._semaphore(profile):
            await self._pacers[profile.id].wait()
            self.requests[profile.id] = self.requests.get(profile.id, 0) + 1
            try:
                response = await self._http.request(
                    spec.method,
                    spec.url,
                    params=spec.params or None,
                    json=spec.json_body,
                    headers=spec.headers,
                    timeout=profile.limits.timeout_s,
                )
            except httpx.TimeoutException as exc:
                raise FetchTimeout(profile.id, f"no answer within {profile.limits.timeout_s:g} s") from exc
            except httpx.TransportError as exc:
                raise NetworkError(profile.id, f"connection failed: {type(exc).__name__}") from exc
        if error := classify_status(profile.id, response):
            raise error
        if len(response.content) > MAX_BODY_BYTES:
            raise ParseError(profile.id, f"response larger than {MAX_BODY_BYTES} bytes")
        text = response.text
        if response.headers.get("content-type", "").startswith("text/html") and any(
            marker in text[:5000].lower() for marker in BLOCK_MARKERS
        ):
            raise Blocked(profile.id, "the store answered with a block page")
        parsed = connector.parse(text, profile.id)
        observed = response.headers.get("Last-Modified")
        if observed:
            try:
                seen_at = parsedate_to_datetime(observed)
                parsed.offers = [o.model_copy(update={"observed_at": seen_at}) for o in parsed.offers]
            except (TypeError, ValueError):
                pass
        if not connector.server_side_search:
            terms = set(words(query))
            parsed.offers = [o for o in parsed.offers if terms <= set(words(o.product.name))]
        return parsed

    async def search(self, profile: StoreProfile, query: str) -> StoreResult:
        """All pages (up to max_pages) of one query at one store; a failure ends the search."""
        result = StoreResult(profile.id, query)
        for page in range(self.max_pages):
            try:
                parsed = await self.fetch_page(profile, query, page)
            except FetchError as exc:
                result.error = exc
                break
            result.requests += 1
            result.offers.extend(parsed.offers)
            result.skipped.extend(parsed.skipped)
            if not parsed.has_next or not get_connector(profile.connector).server_side_search:
                break
        return result
