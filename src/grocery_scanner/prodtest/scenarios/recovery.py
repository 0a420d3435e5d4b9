"""error_recovery: a plan process killed with SIGKILL in the middle of its searches, then resumed from
its checkpoints (grocery_scanner.scenarios.crash: the plans run as processes, the simulator in this one
logs every search it serves). At scale 1 it is killed three times, at a quarter, half and three quarters
of its searches, each time in a fresh data folder."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from grocery_scanner.prodtest.context import Context
from grocery_scanner.prodtest.harness import DEMO, health, isolated
from grocery_scanner.prodtest.plans import percentile
from grocery_scanner.prodtest.results import Measured, at_least, at_most
from grocery_scanner.prodtest.workload import recipes
from grocery_scanner.scenarios.crash import CrashOutcome, crash_and_resume
from grocery_scanner.services import Services

CRASHES = 3  # at scale 1
LISTS = 4  # shopping lists in the plan that is killed
SEED = 4


async def error_recovery(ctx: Context) -> Measured:
    crashes = ctx.scaled(CRASHES)
    kill_points = [round((n + 1) / (crashes + 1), 3) for n in range(crashes)]
    outcomes: list[CrashOutcome] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="grocery-prodtest-") as folder:
        lists = []
        for n, text in enumerate(recipes(LISTS, SEED)):
            lists.append(Path(folder) / f"list-{n}.txt")
            lists[-1].write_text(text, "utf-8")
        health_before, health_after = [], []
        for n, kill_at in enumerate(kill_points):
            ctx.progress(n, crashes, f"plan killed at {kill_at:.0%} of its searches, then resumed")
            workdir = Path(folder) / f"crash-{n}"
            settings = isolated(ctx.settings, workdir / "crashed", DEMO)  # where crash_and_resume's plan keeps its data
            async with Services(settings).database() as db:
                health_before.append(await health(settings, db))
            try:
                outcomes.append(await crash_and_resume([str(p) for p in lists], workdir, kill_at))
            except RuntimeError as exc:  # the resumed (or the uninterrupted) plan failed
                errors.append(str(exc).splitlines()[0])
            async with Services(settings).database() as db:
                health_after.append(await health(settings, db))
        ctx.progress(crashes, crashes, "done")
    figures = {**_figures(outcomes, crashes), "health_before": min(health_before), "health_after": min(health_after)}
    if errors:
        figures["errors"] = errors
    sla = ctx.settings.sla
    checks = [
        at_least("success_rate", figures["success_rate"], sla.success_rate, "sla.success_rate"),
        at_most("latency_p95_s", figures["latency_p95_s"], sla.plan_p95_s, "sla.plan_p95_s"),
        at_most("recovery_p95_s", figures["recovery_p95_s"], sla.recovery_p95_s, "sla.recovery_p95_s"),
        at_least("killed_mid_search", figures["killed_mid_search"], crashes, "every kill in the middle"),
        at_most("repeated_requests", figures["repeated_requests"], 0, "no finished search asked again"),
        at_most("items_lost", figures["items_lost"], 0, "every search settled"),
        at_least("plans_equal_ratio", figures["plans_equal_ratio"], 1.0, "same plan as uninterrupted"),
    ]
    notes = [f"killed at {', '.join(f'{p:.0%}' for p in kill_points)} of its searches; the lowest health shown"]
    return Measured(figures, checks, notes)


def _figures(outcomes: list[CrashOutcome], crashes: int) -> dict[str, Any]:
    """Latency is the resumed process's time, start-up included; recovery, from its start until its
    first request reaches a store."""
    resumed = [o.resumed_s for o in outcomes]
    recovery = [o.resume_to_running_s for o in outcomes]
    return {
        "plans": crashes,
        "succeeded": len(outcomes),
        "success_rate": round(len(outcomes) / crashes, 4),
        "latency_p50_s": round(percentile(resumed, 0.5), 3) if resumed else None,
        "latency_p95_s": round(percentile(resumed, 0.95), 3) if resumed else None,
        "recovery_p95_s": round(percentile(recovery, 0.95), 3) if recovery else None,
        "killed_mid_search": sum(o.finished_before > 0 and o.pending_before > 0 for o in outcomes),
        "searches_done_before_kill": sum(o.finished_before for o in outcomes),
        "searches_reclaimed": sum(o.reclaimed_searches for o in outcomes),
        "repeated_requests": sum(o.repeated_requests for o in outcomes) if outcomes else None,
        "items_lost": sum(o.items_lost for o in outcomes) if outcomes else None,
        "plans_equal_ratio": round(sum(o.plan_equal for o in outcomes) / crashes, 3),
    }
