"""cache_performance: the cache's hit rate on a repeated workload, after warming.

Yesterday's plans leave their searches in the history; overnight every cached answer expires (the
cache is cleared); the cache is warmed from the history's most searched queries, as the service's
schedule does (`warm_top` of them); then today's plans, new lists drawn from the same distribution,
run as the service runs them. The hit rate is the share of today's search pages the cache answered,
from the search items the plans recorded; the store requests are counted at the simulator."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from grocery_scanner.cache.admin import clear_cache
from grocery_scanner.monitoring.health_score import HEALTHY
from grocery_scanner.prodtest.context import Context
from grocery_scanner.prodtest.harness import Harness, harness
from grocery_scanner.prodtest.plans import PlanLoad, PlanOutcome, load_checks, load_figures
from grocery_scanner.prodtest.results import Measured, at_least
from grocery_scanner.prodtest.workload import recipes
from grocery_scanner.storage.tables import SearchItemRow
from grocery_scanner.workflow.warming import warm_cache

HISTORY_PLANS = 30  # yesterday's: what warming learns the most searched queries from (not scaled)
TODAY_PLANS = 60  # at scale 1
LEAST_PLANS = 10
HIT_RATE_DEFAULT = 0.9  # the target where the settings' sla.cache_hit_rate is unset (bench/cache.py's)
HISTORY_SEED, TODAY_SEED = 5, 6


async def cache_performance(ctx: Context) -> Measured:
    plans = ctx.scaled(TODAY_PLANS, LEAST_PLANS)
    workers = ctx.settings.service.max_concurrent_plans
    async with harness(ctx.settings, ctx.parser) as h:
        load = PlanLoad(h, ctx.progress)
        await load.queued(recipes(HISTORY_PLANS, HISTORY_SEED), workers, "yesterday's plans")
        expired = await clear_cache(h.services)
        before = await h.health()
        ctx.progress(0, None, "warming the cache")
        warming = time.monotonic()
        warmed = await warm_cache(h.services, h.db, h.settings.service.warm_top, h.settings.store_set)
        today = time.monotonic()
        outcomes = await load.queued(recipes(plans, TODAY_SEED), workers, "today's plans")
        figures = {
            **load_figures(outcomes),
            **await _pages(h, outcomes),
            "warmed_queries": warmed.queries,
            "warming_requests": sum(len(h.arrivals(p.id, warming)) - len(h.arrivals(p.id, today)) for p in h.profiles),
            "store_requests": sum(len(h.arrivals(p.id, today)) for p in h.profiles),
            "health_before": before,
            "health_after": await h.health(),
        }
    target = ctx.settings.sla.cache_hit_rate
    checks = [
        *load_checks(figures, ctx.settings.sla),
        at_least("hit_rate", figures["hit_rate"], target or HIT_RATE_DEFAULT,
                 "sla.cache_hit_rate" if target is not None else "HIT_RATE_DEFAULT"),
        at_least("health_after", figures["health_after"], HEALTHY, "health_score.HEALTHY"),
    ]  # fmt: skip
    notes = [f"{HISTORY_PLANS} plans yesterday, {expired} cached answers expired; {plans} today, {workers} at a time"]
    return Measured(figures, checks, notes)


async def _pages(h: Harness, outcomes: list[PlanOutcome]) -> dict[str, float | int | None]:
    runs = [o.result.run_id for o in outcomes if o.result is not None]
    async with h.db.session() as session:
        statement = select(SearchItemRow.status, func.count()).where(SearchItemRow.run_id.in_(runs))
        pages: dict[str, int] = dict((await session.execute(statement.group_by(SearchItemRow.status))).all())
    total, cached = sum(pages.values()), pages.get("cached", 0)
    return {"search_pages": total, "cached_pages": cached, "hit_rate": round(cached / total, 4) if total else None}
