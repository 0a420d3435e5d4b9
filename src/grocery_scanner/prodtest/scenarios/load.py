"""concurrent_load and high_stress: plans submitted all at once to one set of long-lived services, the
normal load and twice it, as a burst of users reaches a service that has been running: earlier plans
(run as the service runs them, a few at a time) have left their answers in the cache, and the burst's
lists are new ones drawn from the same distribution. Searches the cache cannot answer go to the stores,
as many times as plans ask them at once: `repeated_store_requests` counts the same search page asked
of a store more than once during the burst, at the simulator."""

from __future__ import annotations

import time
from typing import Any

from grocery_scanner.monitoring.health_score import HEALTHY
from grocery_scanner.prodtest.context import Context
from grocery_scanner.prodtest.harness import Harness, harness
from grocery_scanner.prodtest.plans import PlanLoad, load_checks, load_figures, quality_check
from grocery_scanner.prodtest.results import Check, Measured, at_least, at_most
from grocery_scanner.prodtest.workload import recipes
from grocery_scanner.simulator.server import busiest_second

LOAD_PLANS = 100  # plans at once, the normal load at scale 1
EARLIER_PLANS = 30  # run before the burst, max_concurrent_plans at a time
LEAST_PLANS, LEAST_EARLIER = 10, 3  # at small scales
STRESS_FACTOR = 2  # high_stress: twice the normal load
STRESS_LATENCY_FACTOR = 2.0  # ... where a plan may take twice the SLA's plan time
PACING_MAX = 1.0  # the busiest second at any store, as a share of its configured rate
SEED, EARLIER_SEED = 2, 12


async def concurrent_load(ctx: Context) -> Measured:
    plans = ctx.scaled(LOAD_PLANS, LEAST_PLANS)
    figures = await _burst(ctx, plans)
    checks = [
        *load_checks(figures, ctx.settings.sla),
        quality_check(figures, ctx.settings.sla),
        *_burst_checks(figures, plans),
        at_least("health_after", figures["health_after"], HEALTHY, "health_score.HEALTHY"),
    ]
    return Measured(figures, checks, _scaled_note(plans, LOAD_PLANS))


async def high_stress(ctx: Context) -> Measured:
    plans = STRESS_FACTOR * ctx.scaled(LOAD_PLANS, LEAST_PLANS)
    figures = await _burst(ctx, plans)
    allowed = STRESS_LATENCY_FACTOR * ctx.settings.sla.plan_p95_s
    checks = [
        *load_checks(figures, ctx.settings.sla, allowed, "STRESS_LATENCY_FACTOR x sla.plan_p95_s"),
        *_burst_checks(figures, plans),
    ]
    return Measured(figures, checks, _scaled_note(plans, STRESS_FACTOR * LOAD_PLANS))


async def _burst(ctx: Context, plans: int) -> dict[str, Any]:
    texts, earlier = recipes(plans, SEED), recipes(ctx.scaled(EARLIER_PLANS, LEAST_EARLIER), EARLIER_SEED)
    async with harness(ctx.settings, ctx.parser) as h:
        await PlanLoad(h, ctx.progress).queued(earlier, h.settings.service.max_concurrent_plans, "earlier plans")
        before = await h.health()
        load = PlanLoad(h, ctx.progress)
        searched = {p.id: len(h.simulator.stores[p.id].searched) for p in h.profiles}
        started = time.monotonic()
        outcomes = await load.burst(texts, f"{plans} plans at once")
        asked = [h.simulator.stores[store_id].searched[done:] for store_id, done in searched.items()]
        return {
            **load_figures(outcomes),
            "max_in_flight": load.max_in_flight,
            "plans_per_s": round(plans / (time.monotonic() - started), 2),
            "busiest_second_ratio": _busiest_second_ratio(h, started),
            "store_requests": sum(len(h.arrivals(p.id, started)) for p in h.profiles),
            "repeated_store_requests": sum(len(pages) - len(set(pages)) for pages in asked),
            "health_before": before,
            "health_after": await h.health(),
        }


def _busiest_second_ratio(h: Harness, since: float) -> float:
    """The most requests any store received in one second, over its configured rate: pacing under load,
    counted where the requests arrive."""
    return round(max(busiest_second(h.arrivals(p.id, since)) / p.limits.rate_per_s for p in h.profiles), 3)


def _burst_checks(figures: dict[str, Any], plans: int) -> list[Check]:
    return [
        at_least("max_in_flight", figures["max_in_flight"], plans, "every plan submitted at once"),
        at_most("busiest_second_ratio", figures["busiest_second_ratio"], PACING_MAX, "PACING_MAX"),
    ]


def _scaled_note(plans: int, full: int) -> list[str]:
    scaled = "" if plans >= full else f": scaled down from {full} by --duration-scale"
    return [f"{plans} plans at once{scaled}, after earlier plans filled the cache"]
