"""A recorded search outside a plan (the `search` and `cache warm` commands): the queries at the chosen
stores, each search's prices recorded as it finishes, the whole as one run."""

from __future__ import annotations

from grocery_scanner.reliability.priority import Priority, requests_at
from grocery_scanner.services import Services
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreResult
from grocery_scanner.workflow.invalidation import forget_changed
from grocery_scanner.workflow.recording import SearchRecorder, register_searches
from grocery_scanner.workflow.stages import ProgressCallback, search_offers


async def recorded_search(
    services: Services,
    db: Database,
    kind: str,
    queries: list[str],
    store_set: str | None = None,
    store_ids: list[str] | None = None,
    priority: Priority = Priority.INTERACTIVE,
    progress: ProgressCallback | None = None,
) -> list[StoreResult]:
    async with db.session() as session:
        run_id = await repository.start_run(session, kind, {"queries": queries, "stores": store_ids})
    try:
        with requests_at(priority):
            async with services.stores(store_set, store_ids) as stores:
                await register_searches(db, run_id, stores.profiles, queries)
                recorder = SearchRecorder(db, run_id)
                found = await search_offers(stores.client, stores.profiles, queries, progress, recorder)
                await recorder.flush()
                results = [r for per_query in found.values() for r in per_query]
                await forget_changed(stores.client, stores.profiles, results, db, run_id)
    except BaseException as exc:
        async with db.session() as session:
            await repository.finish_run(session, run_id, "failed", None, str(exc) or type(exc).__name__)
        raise
    async with db.session() as session:
        await repository.finish_run(session, run_id, "succeeded")
    return results
