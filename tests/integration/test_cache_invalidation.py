"""Cache invalidation when a price change is observed, over real HTTP to the simulator and a real SQLite
file: a new price seen by one search drops the cached answers of the other searches that held the old one."""

from __future__ import annotations

from pathlib import Path

from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.workflow.searching import recorded_search

STORE = ["harbour-foods"]


async def _search(settings: Settings, db: Database, *queries: str) -> dict[str, int]:
    """Requests each query sent to the store (0: answered by the cache)."""
    results = await recorded_search(Services(settings), db, "search", list(queries), store_ids=STORE)
    return {r.query: r.requests for r in results}


async def test_a_price_change_seen_by_one_search_drops_the_others_cached_answers(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_pages=1)
    cached = ("rice", "basmati rice", "white rice")  # "jasmine rice" shares products with the first two only
    db = await Database.open(database_url(settings))
    try:
        assert all((await _search(settings, db, *cached)).values())  # asked, then cached
        # the same prices seen again by another search: nothing is dropped
        await _search(settings, db, "brown rice")
        assert await _search(settings, db, *cached) == dict.fromkeys(cached, 0)
        # the store's prices change (another catalog seed: the same products at new prices), seen by a new search
        changed = settings.model_copy(update={"simulator_seed": 7})
        await _search(changed, db, "jasmine rice")
        asked = await _search(changed, db, *cached)
    finally:
        await db.close()
    # the answers that held a product now seen at a new price were dropped and asked again; the other stays
    assert asked == {"rice": 1, "basmati rice": 1, "white rice": 0}
