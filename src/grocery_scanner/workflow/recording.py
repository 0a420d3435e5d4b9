"""Recording what searches find, as they finish: the one writer both the plan and the search command use."""

from __future__ import annotations

import asyncio

from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreResult
from grocery_scanner.stores.profiles import StoreProfile


async def register_searches(db: Database, run_id: str, profiles: list[StoreProfile], queries: list[str]) -> None:
    """Every (store, query) search of a run, pending, before any starts."""
    async with db.session() as session:
        await repository.save_stores(session, profiles)
        await repository.add_searches(session, run_id, [(p.id, q) for q in queries for p in profiles])


class SearchRecorder:
    """Commits each finished search at once: its offers (a product seen twice is one observation)
    and its pages as search items, one writer at a time while the other searches go on.

    A search the cache answered whole costs no request and is answered again by the cache, so nothing
    is lost if the run dies before it is written: those are written together, by `flush`."""

    def __init__(self, db: Database, run_id: str) -> None:
        self.db, self.run_id = db, run_id
        self.recorded: set[tuple[str, str]] = set()
        self._writer = asyncio.Lock()
        self._cached: list[StoreResult] = []

    async def __call__(self, result: StoreResult) -> None:
        # an answer served from the cache was recorded when the store gave it
        fresh = {(o.product.store_id, o.product.sku): o for o in result.offers if o.tier == "live"}
        fresh = {k: o for k, o in fresh.items() if k not in self.recorded}
        if not fresh and result.pages and all(page.cached for page in result.pages):
            self._cached.append(result)
            return
        self.recorded.update(fresh)
        async with self._writer, self.db.session() as session:
            await repository.save_offers(session, list(fresh.values()), self.run_id)
            await repository.finish_searches(session, self.run_id, [result])

    async def flush(self) -> None:
        """Writes the searches the cache answered, in one transaction."""
        cached, self._cached = self._cached, []
        if cached:
            async with self._writer, self.db.session() as session:
                await repository.finish_searches(session, self.run_id, cached)
