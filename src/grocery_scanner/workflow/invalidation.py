"""Cache invalidation on a price change: a product seen at a new price makes the cached answers of the
other searches that found it at its old price stale, so they are dropped from every tier.

A live search for "rice" that finds Basmati Rice at $9.99, recorded yesterday at $8.49 by "basmati rice",
drops the cached "basmati rice" answer; its next search asks the store."""

from __future__ import annotations

from datetime import timedelta

from grocery_scanner.models import utcnow
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreClient, StoreResult
from grocery_scanner.stores.profiles import StoreProfile


async def forget_changed(
    client: StoreClient, profiles: list[StoreProfile], results: list[StoreResult], db: Database, run_id: str
) -> int:
    """Drops the cached answers made stale by the price changes these results show. Returns how many
    searches' answers were dropped."""
    live = {
        (o.product.store_id, o.product.sku): o.price
        for r in results
        for o in r.offers
        if o.tier == "live" and o.price is not None
    }
    if not live:
        return 0
    freshest = max((p.cache.fresh_s for p in profiles), default=0)
    if freshest <= 0:
        return 0
    since = utcnow() - timedelta(seconds=freshest)  # older answers are no longer served anyway
    async with db.session() as session:
        before = await repository.last_prices(session, live, since, exclude_run=run_id)
        changed: dict[str, set[str]] = {}
        for key, price in before.items():
            if price != live[key]:
                changed.setdefault(key[0], set()).add(key[1])
        holding = await repository.searches_holding(session, changed, since) if changed else {}
    answered = {(r.store_id, r.query) for r in results if r.error is None}  # fresh now: nothing to drop
    by_id = {p.id: p for p in profiles}
    dropped = 0
    for store_id, queries in holding.items():
        stale = sorted(q for q in queries if (store_id, q) not in answered)
        if (profile := by_id.get(store_id)) is not None and stale:
            await client.forget(profile, stale)
            dropped += len(stale)
    return dropped
