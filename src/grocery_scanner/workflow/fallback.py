"""What stands in for a search its store could not answer, in order: the store's alternative source
(its Flipp flyer, where the profile names one), searched now; then the prices the store last gave for
the same query, within the profile's stale limit. Each offer says which tier it came from, with a
note, and is trusted less than the store's own live answer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from grocery_scanner.models import Offer, utcnow
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreClient, StoreResult
from grocery_scanner.stores.profiles import StoreProfile


async def from_alternatives(
    client: StoreClient,
    alternatives: dict[str, StoreProfile],
    results: dict[str, list[StoreResult]],
    db: Database,
    run_id: str,
    deadline_s: float | None = None,
) -> dict[str, int]:
    """Failed searches of stores with an alternative, asked of it; what it finds is recorded as its
    own observations and offered as the store's. Returns the searches so served, per store."""
    failed = [(q, r) for q, rs in results.items() for r in rs if r.error is not None and r.store_id in alternatives]
    if not failed:
        return {}
    async with db.session() as session:
        await repository.save_stores(session, list({p.id: p for p in alternatives.values()}.values()))
    found = await asyncio.gather(*(client.search(alternatives[r.store_id], q, deadline_s) for q, r in failed))
    served: dict[str, int] = {}
    async with db.session() as session:
        for (_, result), answer in zip(failed, found, strict=True):
            if answer.error is not None or not answer.offers:
                continue
            await repository.save_offers(session, answer.offers, run_id)
            source = alternatives[result.store_id]
            result.offers = [_standing_in(o, result.store_id, source) for o in answer.offers]
            served[result.store_id] = served.get(result.store_id, 0) + 1
    return served


def _standing_in(offer: Offer, store_id: str, source: StoreProfile) -> Offer:
    product = offer.product.model_copy(update={"store_id": store_id, "sku": f"{source.id}:{offer.product.sku}"})
    note = f"from {source.name}: the store's own site did not answer"
    return offer.model_copy(update={"product": product, "tier": "alternative", "notes": (*offer.notes, note)})


async def last_known(
    results: dict[str, list[StoreResult]], profiles: dict[str, StoreProfile], db: Database, run_id: str
) -> dict[str, int]:
    """Failed searches still without offers get the prices their store last gave for the query, within
    its stale limit, marked stale and trusted less. Returns the searches so served, per store."""
    served: dict[str, int] = {}
    now = utcnow()
    async with db.session() as session:
        for query, store_results in results.items():
            for result in store_results:
                if result.error is None or result.offers:
                    continue
                cache = profiles[result.store_id].cache
                since = now - timedelta(seconds=cache.stale_s)
                known = await repository.last_known_offers(session, result.store_id, query, since, run_id)
                result.offers = [_stale(o, cache.stale_confidence, now) for o in known]
                if known:
                    served[result.store_id] = served.get(result.store_id, 0) + 1
    return served


def _stale(offer: Offer, trust: float, now: datetime) -> Offer:
    hours = (now - offer.observed_at).total_seconds() / 3600
    note = f"stale: the store did not answer; price last seen {hours:.1f} h ago"
    return offer.model_copy(
        update={"tier": "stale", "confidence": round(offer.confidence * trust, 3), "notes": (*offer.notes, note)}
    )
