"""Circuit breakers that outlive a run: a store's breaker starts from the state the last run left in
the database, and this run's verdicts are written back when its searches end.

Without it every CLI plan, a new process, would send a store that is down a fresh window of calls
before its breaker opened again; with it, the store is asked by the breaker's probes only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from grocery_scanner.models import utcnow
from grocery_scanner.reliability.breaker import BreakerLayer
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreClient
from grocery_scanner.stores.profiles import StoreProfile


@asynccontextmanager
async def remembered_breakers(db: Database, client: StoreClient, profiles: list[StoreProfile]) -> AsyncIterator[None]:
    layer = client.fetcher.layers.get("breaker")
    if not isinstance(layer, BreakerLayer):  # the breaker is switched off
        yield
        return
    async with db.session() as session:
        layer.restore(profiles, await repository.breaker_states(session), utcnow())
    try:
        yield
    finally:
        async with db.session() as session:
            await repository.save_breaker_states(session, layer.snapshots(utcnow()))
