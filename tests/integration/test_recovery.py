"""Recovery: resume after a crash, checkpoints, leases, cancel and the dead-letter queue, with the
simulator over real HTTP and a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update

from grocery_scanner.errors import UserInputError
from grocery_scanner.models import utcnow
from grocery_scanner.scenarios.crash import crash_and_resume
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings, config_dir
from grocery_scanner.storage import recovery_records, repository
from grocery_scanner.storage.tables import RunRow, SearchItemRow, StageCheckpointRow
from grocery_scanner.workflow.dead_letters import retry_letters
from grocery_scanner.workflow.plan_run import PlanRequest, RunCancelled, resume_plan, run_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TEN_RECIPES = [
    str(EXAMPLES / name)
    for name in (
        "spaghetti-bolognese.txt", "chicken-stir-fry.txt", "chili.txt", "pancakes.txt", "mac-and-cheese.txt",
        "recipes.json", "salmon-rice-bowls.html", "sheet-pan-fajitas.html",
    )
]  # fmt: skip
NO_CACHE = ["retry", "breaker", "metrics", "status", "pacing", "pool"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_pages=1, fetch_layers=NO_CACHE, run_stale_s=1, heartbeat_s=0.2)


@pytest.mark.slow
async def test_a_plan_killed_mid_search_resumes_without_asking_again_and_makes_the_same_plan(tmp_path) -> None:
    outcome = await crash_and_resume(TEN_RECIPES, tmp_path)
    assert outcome.finished_before > 0 and outcome.pending_before > 0  # killed in the middle of its searches
    assert outcome.repeated_requests == 0
    assert outcome.resumed_searches == outcome.finished_before
    assert outcome.reclaimed_searches > 0  # those in flight when it died were taken over
    assert outcome.items_lost == 0
    assert outcome.plan_equal


async def test_a_corrupted_checkpoint_is_reported_and_skipped_and_the_rest_resumes(settings, db, line_parser) -> None:
    services = Services(settings, line_parser=line_parser)
    first = await run_plan(PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")]), services, db)
    async with db.session() as session:  # as if it had died, with two of its records damaged
        await session.execute(update(RunRow).where(RunRow.id == first.run_id).values(status="interrupted"))
        await session.execute(update(StageCheckpointRow).values(data="{not json"))
        item = await session.scalar(select(SearchItemRow).where(SearchItemRow.run_id == first.run_id).limit(1))
        assert item is not None
        item.skus = "not a list"  # type: ignore[assignment]
        damaged = (item.store_id, item.query)
    resumed = await resume_plan(first.run_id[:8], services, db)
    warnings = " ".join(resumed.plan.warnings)
    assert "read stage's checkpoint was unreadable" in warnings and f"search item {item.id}" in warnings
    assert resumed.stats["resumed_searches"] == resumed.stats["searches"] - 1  # only the damaged one again
    assert resumed.stats["requests"] == 1 and damaged[0] in resumed.stats["requests_per_store"]
    assert resumed.plan.total == first.plan.total
    assert 0 < resumed.stats["recovery_s"] < 30  # measured for the SLA
    from grocery_scanner.monitoring.sla import track

    figures = {f.name: f for f in await track(db, settings.sla)}
    assert figures["recovery_p95_s"].samples == 1 and figures["recovery_p95_s"].compliant
    async with db.session() as session:
        assert (await recovery_records.find_run(session, first.run_id)).status == "succeeded"
    with pytest.raises(UserInputError, match="nothing to resume"):
        await resume_plan(first.run_id, services, db)


async def test_a_run_is_leased_by_its_heartbeat(settings, db) -> None:
    async with db.session() as session:
        run_id = await repository.start_run(session, "plan", {"inputs": []})
    async with db.session() as session:
        assert not await recovery_records.claim_run(session, run_id, stale_after_s=30)  # alive: not taken
    async with db.session() as session:
        old = utcnow() - timedelta(seconds=60)
        await session.execute(update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=old))
    async with db.session() as session:  # its process died: the lease has run out, one resumer takes it
        assert await recovery_records.claim_run(session, run_id, stale_after_s=30)
    async with db.session() as session:
        assert not await recovery_records.claim_run(session, run_id, stale_after_s=30)


async def test_searches_are_leased_and_a_dead_processs_return_to_the_pool(settings, db) -> None:
    async with db.session() as session:
        run_id = await repository.start_run(session, "plan", {"inputs": []})
        await repository.add_searches(session, run_id, [("s", "milk"), ("s", "eggs")])
    later, earlier = utcnow() + timedelta(seconds=30), utcnow() - timedelta(seconds=1)
    async with db.session() as session:  # another process holds "milk" and is alive; nobody holds "eggs"
        held = (SearchItemRow.run_id == run_id) & (SearchItemRow.query == "milk")
        await session.execute(
            update(SearchItemRow).where(held).values(status="leased", owner="other", lease_until=later)
        )
    async with db.session() as session:
        assert await recovery_records.lease_searches(session, run_id, ttl_s=30) == 0
    async with db.session() as session:
        items = {i.query: i for i in await repository.search_items(session, run_id)}
    assert items["milk"].owner == "other" and items["eggs"].owner == recovery_records.OWNER
    assert items["eggs"].status == "leased"
    async with db.session() as session:  # the other process died: its lease runs out, the item returns
        await session.execute(update(SearchItemRow).where(held).values(lease_until=earlier))
    async with db.session() as session:
        assert await recovery_records.lease_searches(session, run_id, ttl_s=30) == 1
        items = {i.query: i for i in await repository.search_items(session, run_id)}
    assert {i.owner for i in items.values()} == {recovery_records.OWNER}


async def test_cancel_stops_a_running_plan_and_closes_a_stopped_one(settings, db, line_parser) -> None:
    services = Services(settings, line_parser=line_parser)
    request = PlanRequest(inputs=TEN_RECIPES)
    plan = asyncio.create_task(run_plan(request, services, db))
    while True:  # wait for the run to be under way
        await asyncio.sleep(0.1)
        async with db.session() as session:
            runs = await repository.recent_runs(session, 1, 30)
        if runs:
            break
    async with db.session() as session:
        run = await recovery_records.find_run(session, runs[0].id)
        assert await recovery_records.request_cancel(session, run, 30) == "cancelling"
    with pytest.raises(RunCancelled):
        await plan
    async with db.session() as session:
        assert (await recovery_records.find_run(session, run.id)).status == "cancelled"
        with pytest.raises(UserInputError, match="nothing to cancel"):
            await recovery_records.request_cancel(session, await recovery_records.find_run(session, run.id), 30)
    with pytest.raises(UserInputError, match="cancelled: there is nothing to resume"):
        await resume_plan(run.id, services, db)


def _store_set(path: Path, failing: bool) -> Path:
    data = yaml.safe_load((config_dir() / "stores" / "demo.yaml").read_text(encoding="utf-8"))
    store = next(s for s in data["stores"] if s["id"] == "northern-basket")
    store["retry"] = {"attempts": 1}
    store["simulator"]["faults"] = {"latency_ms_median": 0, "latency_ms_p95": 0}
    if failing:
        store["simulator"]["faults"]["error_rates"] = {503: 1.0}
        store["breaker"] = {"min_calls": 1000, "window": 1000}  # every search reaches the store, fails there
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


async def test_failed_searches_wait_in_the_dead_letter_queue_until_retried_or_dropped(
    settings, db, line_parser, tmp_path
) -> None:
    store_set = _store_set(tmp_path / "stores.yaml", failing=True)
    services = Services(settings.model_copy(update={"dlq_alert_threshold": 3}), line_parser=line_parser)
    result = await run_plan(
        PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")], store_set=str(store_set)), services, db
    )
    async with db.session() as session:
        letters = await recovery_records.dead_letters(session)
    assert letters and {d.store_id for d in letters} == {"northern-basket"}
    assert all(d.failure_class == "ServerError" and d.payload["store_set"] == str(store_set) for d in letters)
    assert any("dead-letter queue holds" in w for w in result.plan.warnings)  # over the alert threshold

    first, second, *rest = letters
    again = await retry_letters(services, db, [first.id])  # the store still fails: it stays, one more attempt
    assert again == [(first.id, False, again[0][2])] and "503" in again[0][2]
    _store_set(store_set, failing=False)  # the store is back
    assert (await retry_letters(services, db, [first.id]))[0][1]
    async with db.session() as session:
        letter = await recovery_records.dead_letter(session, second.id)
        letter.status = "dropped"  # what `dlq drop` does
    assert all(ok for _, ok, _ in await retry_letters(services, db, None))  # --all: the open rest
    async with db.session() as session:
        every = {d.id: d for d in await recovery_records.dead_letters(session, None)}
        assert await recovery_records.open_letters(session) == 0
    assert every[first.id].status == "resolved" and every[first.id].attempts == 3
    assert every[second.id].status == "dropped"
    assert all(every[d.id].status == "resolved" for d in rest)


async def test_a_later_plan_that_finds_what_failed_resolves_its_dead_letters(
    settings, db, line_parser, tmp_path
) -> None:
    store_set = _store_set(tmp_path / "stores.yaml", failing=True)
    services = Services(settings, line_parser=line_parser)
    request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")], store_set=str(store_set))
    first = await run_plan(request, services, db)
    assert first.stats["dead_letters"] > 0
    _store_set(store_set, failing=False)
    second = await run_plan(request, services, db)
    assert second.stats["dead_letters"] == 0
    async with db.session() as session:
        assert {d.status for d in await recovery_records.dead_letters(session, None)} == {"resolved"}
