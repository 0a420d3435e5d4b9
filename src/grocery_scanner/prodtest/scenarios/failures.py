"""store_failures: two demo stores down (every request answered 503) while plans go on.

Earlier plans, made with every store up by another process, left the stores' last known prices; the
cached answers have expired. Then Harbour Foods (whose flyer stands in for it) and Prairie Pantry (with
no stand-in) go down and the plans are submitted at once, every fourth of them for those two stores
only (their regular shoppers). The plans must still succeed, say which stores failed them and buy
nothing "at" a store that is down but from its stand-in or at its last known price; and the stores
that are down must be spared: the requests they receive after their circuit breaker should have opened
(its policy's `min_calls` failed calls in a row), counted where they arrive, must stay within what the
policy lets through (the requests already on their way, and its probes)."""

from __future__ import annotations

import time
from typing import Any

from grocery_scanner.cache.admin import clear_cache
from grocery_scanner.prodtest.context import Context
from grocery_scanner.prodtest.harness import Harness, harness
from grocery_scanner.prodtest.plans import PlanLoad, PlanOutcome, load_figures
from grocery_scanner.prodtest.results import Measured, at_least, at_most
from grocery_scanner.prodtest.workload import recipes
from grocery_scanner.services import Services
from grocery_scanner.stores.profiles import StoreProfile

FAILURE_PLANS = 50  # at scale 1
LEAST_PLANS = 10
HISTORY_SHARE = 0.2  # of the plans, made earlier with every store up
DOWN = ("harbour-foods", "prairie-pantry")  # one with a stand-in source (its flyer), one without
SUCCESS_MIN = 0.9  # plans that succeed with the stores down
WARNED_MIN = 1.0  # share of successful plans whose warnings name every store that was down
HEALTH_DROP_MIN = 5.0  # the health score must show the outage
STAND_INS = ("alternative", "stale")  # what a line bought "at" a store that is down must come from
LOYAL_EVERY = 4  # every fourth plan is for the stores that go down only
SEED = 3


async def store_failures(ctx: Context) -> Measured:
    plans = ctx.scaled(FAILURE_PLANS, LEAST_PLANS)
    texts = recipes(plans, SEED)
    async with harness(ctx.settings, ctx.parser) as h:
        async with Services(h.settings, line_parser=ctx.parser) as earlier:  # another process, earlier
            history = texts[: max(1, round(plans * HISTORY_SHARE))]
            await PlanLoad(h, ctx.progress, earlier).burst(history, "earlier plans, every store up")
        await clear_cache(h.services)
        before = await h.health()
        for store_id in DOWN:
            h.set_faults(store_id, error_rates={503: 1.0})
        down_since = time.monotonic()
        label = f"{plans} plans, {len(DOWN)} stores down"
        outcomes = await PlanLoad(h, ctx.progress).burst(texts, label, _loyal)
        ended = time.monotonic()
        figures = {
            **load_figures(outcomes),
            **_warning_figures(h, outcomes),
            **_spared_figures(h, down_since, ended),
            "health_before": before,
            "health_after": await h.health(),
        }
    figures["health_drop"] = round(figures["health_before"] - figures["health_after"], 1)
    sla = ctx.settings.sla
    checks = [
        at_least("success_rate", figures["success_rate"], SUCCESS_MIN, "SUCCESS_MIN"),
        at_most("latency_p95_s", figures["latency_p95_s"], sla.plan_p95_s, "sla.plan_p95_s"),
        at_least("warned_plans_ratio", figures["warned_plans_ratio"], WARNED_MIN, "WARNED_MIN"),
        at_least("lines_from_down_stores", figures["lines_from_down_stores"], 1, "plans for those stores only"),
        at_most("unmarked_lines_from_down_stores", figures["unmarked_lines_from_down_stores"], 0, "STAND_INS"),
        at_most("excess_requests_after_open", figures["excess_requests_after_open"], 0, "the stores' breaker policy"),
        at_least("health_drop", figures["health_drop"], HEALTH_DROP_MIN, "HEALTH_DROP_MIN"),
    ]
    notes = [f"down: {', '.join(DOWN)}; {len(history)} earlier plans left their last known prices"]
    return Measured(figures, checks, notes)


def _loyal(n: int) -> list[str] | None:
    return list(DOWN) if n % LOYAL_EVERY == 0 else None


def _warning_figures(h: Harness, outcomes: list[PlanOutcome]) -> dict[str, Any]:
    """Whether the plans say which stores failed them, and mark what they bought in their place."""
    names = [p.name for p in h.profiles if p.id in DOWN]
    plans = [o.result.plan for o in outcomes if o.result is not None]
    warned = sum(all(any(name in warning for warning in plan.warnings) for name in names) for plan in plans)
    affected = [line for plan in plans for line in plan.lines if line.store_id in DOWN]
    return {
        "warned_plans_ratio": round(warned / len(plans), 3) if plans else None,
        "lines_from_down_stores": len(affected),
        "lines_by_source": {tier: sum(line.tier == tier for line in affected) for tier in STAND_INS},
        "unmarked_lines_from_down_stores": sum(line.tier not in STAND_INS for line in affected),
        "low_quality_lines_from_down_stores": sum(line.quality_warning is not None for line in affected),
    }


def _spared_figures(h: Harness, since: float, ended: float) -> dict[str, Any]:
    """Requests each store that is down received after its breaker should have opened, and how many
    its policy allows after that."""
    profiles = {p.id: p for p in h.profiles}
    received, allowed = {}, {}
    for store_id in DOWN:
        arrivals = h.arrivals(store_id, since)
        calls = profiles[store_id].breaker.min_calls  # every call fails: the failure rate is 100% at once
        opened = arrivals[calls - 1] if len(arrivals) >= calls else ended
        received[store_id] = sum(at > opened for at in arrivals)
        allowed[store_id] = allowed_after_open(profiles[store_id], ended - opened)
    return {
        "requests_to_down_stores": {s: len(h.arrivals(s, since)) for s in DOWN},
        "requests_after_open": received,
        "allowed_after_open": allowed,
        "excess_requests_after_open": max(received[s] - allowed[s] for s in DOWN),
    }


def allowed_after_open(profile: StoreProfile, seconds: float) -> int:
    """What a breaker lets reach a store that stays down in `seconds` after it opens: the requests
    already on their way (the store's concurrency), then its probes after each open period, the periods
    doubling from `open_s` to `open_max_s` and counted at their shortest (the policy's jitter)."""
    policy = profile.breaker
    periods, elapsed = 0, 0.0
    while True:
        elapsed += min(policy.open_max_s, policy.open_s * 2**periods) * (1 - policy.jitter)
        if elapsed > seconds:
            return profile.limits.concurrency + policy.probes * periods
        periods += 1
