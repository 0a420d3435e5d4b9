"""Search stores through their connectors: a request from the connector, sent through the fetch
chain, the answer parsed by the connector.

Every failure is a FetchError of its class: the chain maps transport and status failures, and any
exception a connector raises while reading an answer becomes a ParseError naming the store, so one
odd product fails its own search, never the run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import PlainSerializer, PlainValidator

from grocery_scanner import errors
from grocery_scanner.cache.layer import CacheLayer
from grocery_scanner.errors import FetchError, ParseError, RateLimited, SearchDeadline
from grocery_scanner.fetch.chain import FetchChain, Fetched
from grocery_scanner.fetch.metrics import MetricsLayer
from grocery_scanner.models import Offer
from grocery_scanner.models.offer import utcnow
from grocery_scanner.stores.base import ParsedPage, Skip
from grocery_scanner.stores.profiles import StoreProfile
from grocery_scanner.stores.registry import get_connector
from grocery_scanner.text import words

if TYPE_CHECKING:
    from grocery_scanner.cache.semantic import SemanticQueries


def _error_record(error: FetchError) -> dict[str, object]:
    return {
        "class": type(error).__name__,
        "store_id": error.store_id,
        "message": error.message,
        "retry_after_s": getattr(error, "retry_after_s", None),
    }


def _error_from(value: object) -> FetchError:
    if isinstance(value, FetchError):
        return value
    kind = getattr(errors, str(value.get("class")), None) if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(kind, type) or not issubclass(kind, FetchError):
        raise ValueError(f"not a recorded fetch failure: {value!r}")
    if kind is RateLimited:
        return RateLimited(value["store_id"], value["message"], value.get("retry_after_s"))
    return kind(value["store_id"], value["message"])


# a failure as it travels in a stage's output: serialised by class name, so checkpoints can keep it
RecordedError = Annotated[FetchError, PlainValidator(_error_from), PlainSerializer(_error_record)]


@dataclass
class PageOutcome:
    """One page of one search, as the durable search items record it."""

    page: int
    started_at: datetime
    finished_at: datetime
    offers: int = 0
    error: RecordedError | None = None
    latency_s: float | None = None  # the answer's own time, without the wait for a turn
    cached: bool = False  # served from the cache: no request reached the store
    skus: tuple[str, ...] = ()  # the products it found: which searches' cached answers a price change spoils


@dataclass
class StoreResult:
    store_id: str
    query: str
    offers: list[Offer] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    pages: list[PageOutcome] = field(default_factory=list)
    error: RecordedError | None = None

    @property
    def requests(self) -> int:
        """Requests that reached (or tried to reach) the store: pages the cache served are none."""
        return sum(not page.cached for page in self.pages)


def _modified_at(fetched: Fetched) -> datetime | None:
    try:
        return parsedate_to_datetime(fetched.headers["Last-Modified"])
    except (KeyError, TypeError, ValueError):
        return None


class StoreClient:
    def __init__(
        self,
        fetcher: FetchChain,
        max_pages: int = 2,
        owns_fetcher: bool = True,
        semantic: SemanticQueries | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.max_pages = max_pages
        self.owns_fetcher = owns_fetcher  # a shared chain is closed by whoever shares it
        self.semantic = semantic  # the cache's semantic tier, where the settings turn it on

    def requests_per_store(self) -> dict[str, int]:
        """Requests sent per store, as the chain's counting layer saw them (empty without one)."""
        counting = self.fetcher.layers.get("metrics")
        return counting.per_store() if isinstance(counting, MetricsLayer) else {}

    async def __aenter__(self) -> StoreClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.owns_fetcher:
            await self.fetcher.aclose()

    async def preload(self, profiles: list[StoreProfile], queries: list[str]) -> int:
        """Readies the cache's fresh answers to these searches (all their pages) in its first tier."""
        if not isinstance(cache := self.fetcher.layers.get("cache"), CacheLayer):
            return 0
        requests = [
            (p, get_connector(p.connector).build_request(p, q, page))
            for p in profiles
            for q in queries
            for page in range(self.max_pages)
        ]
        return await cache.preload(requests)

    async def forget(self, profile: StoreProfile, queries: list[str]) -> None:
        """Drops the cache's answers to these searches (all their pages) from every tier."""
        if not isinstance(cache := self.fetcher.layers.get("cache"), CacheLayer):
            return
        connector = get_connector(profile.connector)
        for query in queries:
            for page in range(self.max_pages):
                await cache.forget(profile, connector.build_request(profile, query, page))

    async def fetch_page(self, profile: StoreProfile, query: str, page: int) -> ParsedPage:
        """One page of search results; raises the FetchError subclass that names the failure."""
        connector = get_connector(profile.connector)
        request = connector.build_request(profile, query, page)
        fetched = await self.fetcher.fetch(profile, request)
        try:
            try:
                parsed = connector.parse(fetched.text, profile.id)
            except FetchError:
                raise
            except Exception as exc:  # a connector bug or an answer it never expected: this search's failure
                message = f"the {connector.name} connector could not read the answer ({type(exc).__name__}: {exc})"
                raise ParseError(profile.id, message) from exc
        except ParseError:
            if isinstance(cache := self.fetcher.layers.get("cache"), CacheLayer):
                await cache.forget(profile, request)  # asked again next time, not served unreadable
            raise
        stamp = {
            "observed_at": fetched.fetched_at,
            "fetched_at": fetched.fetched_at,
            "source_modified_at": _modified_at(fetched),
            "search_query": query,
            "tier": "cache" if fetched.cache_tier else "live",
        }
        parsed.offers = [o.model_copy(update=stamp) for o in parsed.offers]
        parsed.latency_s = fetched.elapsed_s
        parsed.cache_tier = fetched.cache_tier
        if not connector.server_side_search:
            terms = set(words(query))
            parsed.offers = [o for o in parsed.offers if terms <= set(words(o.product.name))]
        return parsed

    async def search(self, profile: StoreProfile, query: str, deadline_s: float | None = None) -> StoreResult:
        """All pages (up to max_pages) of one query at one store; a failure ends the search, and so does
        `deadline_s` passing (an interactive plan does not wait without end for one store)."""
        result = StoreResult(profile.id, query)
        loop = asyncio.get_running_loop()
        ends = loop.time() + deadline_s if deadline_s is not None else None
        semantic = self.semantic if profile.cache.fresh_s > 0 else None
        # a query naming the same product as one the cache answered is asked in that one's words
        asked = (await semantic.equivalent(profile.id, query) if semantic else None) or query
        for page in range(self.max_pages):
            started = utcnow()
            try:
                async with asyncio.timeout_at(ends):
                    parsed = await self.fetch_page(profile, asked, page)
            except TimeoutError:
                late = SearchDeadline(profile.id, f"no answer within the search deadline of {deadline_s:g} s")
                result.error = late
                result.pages.append(PageOutcome(page, started, utcnow(), error=late))
                break
            except FetchError as exc:
                result.error = exc
                result.pages.append(PageOutcome(page, started, utcnow(), error=exc))
                break
            from_cache = parsed.cache_tier is not None
            latency = None if from_cache else parsed.latency_s  # a cached answer says nothing of the store now
            skus = tuple(o.product.sku for o in parsed.offers)
            outcome = PageOutcome(page, started, utcnow(), len(skus), latency_s=latency, cached=from_cache, skus=skus)
            result.pages.append(outcome)
            result.offers.extend(parsed.offers)
            result.skipped.extend(parsed.skipped)
            if not parsed.has_next or not get_connector(profile.connector).server_side_search:
                break
        if semantic is not None and result.error is None and asked == query:
            await semantic.remember(profile.id, query)
        return result
