"""endurance: plans without pause for a while (ENDURANCE_S at scale 1; hours with --duration-scale), as
many at a time as the service runs, checking that memory and latency do not grow and that plans keep
succeeding. Memory is compared between the second and the last quarter of the run (the first one fills
the caches), latency and success between the first and the last third."""

from __future__ import annotations

import statistics
import time
from typing import Any

from grocery_scanner.prodtest.context import Context
from grocery_scanner.prodtest.harness import harness
from grocery_scanner.prodtest.plans import PlanLoad, PlanOutcome, load_checks, load_figures, percentile
from grocery_scanner.prodtest.results import Measured, at_least, at_most
from grocery_scanner.prodtest.workload import recipe_stream

ENDURANCE_S = 120.0  # at scale 1
LATENCY_GROWTH_MAX = 1.5  # the last third's p50 latency over the first third's
MEMORY_GROWTH_MAX = 0.1  # the last quarter's median memory over the second quarter's, less one
SEED = 8


async def endurance(ctx: Context) -> Measured:
    duration = ENDURANCE_S * ctx.scale
    workers = ctx.settings.service.max_concurrent_plans
    async with harness(ctx.settings, ctx.parser) as h:
        before = await h.health()
        started = time.monotonic()
        outcomes = await PlanLoad(h, ctx.progress).sustained(recipe_stream(SEED), workers, duration)
        ended = time.monotonic()
        figures = {**load_figures(outcomes), "health_before": before, "health_after": await h.health()}
    figures |= _drift(outcomes, started, ended) | _memory(ctx, started, ended)
    sla = ctx.settings.sla
    checks = [
        *load_checks(figures, sla),
        at_least("last_third_success_rate", figures["last_third_success_rate"], sla.success_rate, "sla.success_rate"),
        at_most("latency_growth", figures["latency_growth"], LATENCY_GROWTH_MAX, "LATENCY_GROWTH_MAX"),
        at_most("memory_growth", figures["memory_growth"], MEMORY_GROWTH_MAX, "MEMORY_GROWTH_MAX"),
    ]
    return Measured(figures, checks, [f"{duration:g} s of plans, {workers} at a time"])


def _drift(outcomes: list[PlanOutcome], started: float, ended: float) -> dict[str, Any]:
    third = (ended - started) / 3
    first = [o for o in outcomes if o.started < started + third]
    last = [o for o in outcomes if o.started >= ended - third]
    first_p50 = percentile([o.seconds for o in first], 0.5) if first else None
    last_p50 = percentile([o.seconds for o in last], 0.5) if last else None
    return {
        "first_third_p50_s": round(first_p50, 3) if first_p50 is not None else None,
        "last_third_p50_s": round(last_p50, 3) if last_p50 is not None else None,
        "latency_growth": round(last_p50 / first_p50, 3) if first_p50 and last_p50 is not None else None,
        "last_third_success_rate": round(sum(o.ok for o in last) / len(last), 4) if last else None,
    }


def _memory(ctx: Context, started: float, ended: float) -> dict[str, Any]:
    quarter = (ended - started) / 4
    second = ctx.memory.between(started + quarter, started + 2 * quarter)
    last = ctx.memory.between(ended - quarter, ended)
    if not second or not last:
        return {"memory_growth": None}
    early, late = statistics.median(second), statistics.median(last)
    growth = round(late / early - 1, 4)
    return {"second_quarter_mb": round(early, 1), "last_quarter_mb": round(late, 1), "memory_growth": growth}
