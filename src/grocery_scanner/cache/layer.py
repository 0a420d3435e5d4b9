"""The fetch chain's cache layer (outermost: a fresh answer costs the store nothing, not even a turn).

A request is looked up tier by tier; a hit is promoted to the tiers above it and returned marked with
its tier. A miss goes to the store, and a 200 answer is written through to every tier, fresh for the
store profile's `cache.fresh_s`. A tier that fails (its database busy) is a miss, never a failed
search. An answer its connector cannot read is forgotten, so the next search asks the store again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from grocery_scanner.cache.entry import Entry, request_key
from grocery_scanner.cache.tiers import Tier
from grocery_scanner.fetch.chain import Fetched, Fetcher, Layer
from grocery_scanner.models import utcnow

if TYPE_CHECKING:
    from grocery_scanner.monitoring.metrics import Metrics
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

log = logging.getLogger(__name__)
# what a tier raises when its store (database, Redis) cannot serve it now: a miss, not a failed search
TIER_ERRORS = (SQLAlchemyError, RedisError, OSError)


class CacheLayer(Layer):
    def __init__(self, inner: Fetcher, tiers: list[Tier], metrics: Metrics | None = None) -> None:
        super().__init__(inner)
        self.tiers = tiers
        self.metrics = metrics
        self.hits: Counter[str] = Counter()  # by tier
        self._absent: set[str] = set()  # keys a preload found in no lower tier: not asked there again

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        fresh_s = profile.cache.fresh_s
        if fresh_s <= 0:
            return await self.inner.fetch(profile, request)
        key = request_key(profile, request)
        for at, tier in enumerate(self.tiers):
            if at > 0 and key in self._absent:
                break
            try:
                entry = await tier.get(key)
            except TIER_ERRORS as exc:
                log.warning("cache tier %s unavailable (%s): treated as a miss", tier.name, type(exc).__name__)
                continue
            if entry is not None:
                self.hits[tier.name] += 1
                if self.metrics is not None:
                    self.metrics.cache_lookups.labels(tier.name, "hit").inc()
                await self._put(self.tiers[:at], key, entry)
                return dataclasses.replace(entry.fetched, cache_tier=tier.name)
        if self.metrics is not None:
            self.metrics.cache_lookups.labels("all", "miss").inc()
        fetched = await self.inner.fetch(profile, request)
        if fetched.status == 200:
            await self._put(self.tiers, key, Entry(fetched, utcnow() + timedelta(seconds=fresh_s)))
        return fetched

    async def preload(self, wanted: list[tuple[StoreProfile, SearchRequest]]) -> int:
        """Copies the fresh answers to these requests from the lower tiers into the first, one query per
        tier, so a plan's searches do not each ask the database. Returns how many were copied."""
        keys = {request_key(p, r) for p, r in wanted if p.cache.fresh_s > 0}
        copied = 0
        for at, tier in enumerate(self.tiers[1:], 1):
            if not keys:
                break
            try:
                found = await tier.get_many(keys)
            except TIER_ERRORS as exc:
                log.warning("cache tier %s unavailable (%s): nothing preloaded", tier.name, type(exc).__name__)
                continue
            for key, entry in found.items():
                await self._put(self.tiers[:at], key, entry)
            keys -= found.keys()
            copied += len(found)
        self._absent |= keys  # asked below and not there: a miss needs no second look
        return copied

    async def forget(self, profile: StoreProfile, request: SearchRequest) -> None:
        """Drops one answer from every tier (its connector could not read it)."""
        key = request_key(profile, request)
        for tier in self.tiers:
            try:
                await tier.drop(key)
            except TIER_ERRORS as exc:
                log.warning("cache tier %s unavailable (%s): entry not dropped", tier.name, type(exc).__name__)

    async def _put(self, tiers: list[Tier], key: str, entry: Entry) -> None:
        for tier in tiers:
            try:
                await tier.put(key, entry)
            except TIER_ERRORS as exc:
                log.warning("cache tier %s unavailable (%s): answer not kept there", tier.name, type(exc).__name__)

    async def aclose(self) -> None:
        for tier in self.tiers:
            await tier.aclose()
        await super().aclose()
