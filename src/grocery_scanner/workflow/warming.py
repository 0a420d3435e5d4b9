"""Cache warming: the most searched queries of the history searched again at every store, as the lowest
priority, so the cache holds them fresh; answers already fresh cost no request. The `cache warm` command
and the service's schedule both use it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from grocery_scanner.reliability.priority import Priority
from grocery_scanner.services import Services
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database
from grocery_scanner.workflow.searching import recorded_search
from grocery_scanner.workflow.stages import ProgressCallback


@dataclass(frozen=True)
class Warmed:
    queries: int
    searches: int
    fresh: int  # already fresh in the cache: no request
    asked: int  # asked of the stores
    failed: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def warm_cache(
    services: Services, db: Database, top: int, store_set: str | None = None, progress: ProgressCallback | None = None
) -> Warmed:
    async with db.session() as session:
        queries = await repository.top_queries(session, top)
    if not queries:
        return Warmed(0, 0, 0, 0, 0)
    results = await recorded_search(
        services, db, "cache-warm", queries, store_set, priority=Priority.WARMING, progress=progress
    )
    fresh = sum(1 for r in results if r.offers and all(o.tier == "cache" for o in r.offers))
    failed = sum(1 for r in results if r.error)
    return Warmed(len(queries), len(results), fresh, len(results) - fresh - failed, failed)
