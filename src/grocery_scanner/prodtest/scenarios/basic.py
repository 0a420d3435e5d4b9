"""basic_workflow: one plan, each stage's work checked in what it left: the needs parsed, every store
searched and every search finished, the offers recorded and judged, the needs matched, a plan bought,
recorded and its checkpoints kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from grocery_scanner.models.match import MatchStatus
from grocery_scanner.monitoring.health_score import HEALTHY
from grocery_scanner.prodtest.context import Context
from grocery_scanner.prodtest.harness import Harness, harness
from grocery_scanner.prodtest.plans import PlanLoad, load_checks, load_figures, quality_check
from grocery_scanner.prodtest.results import Check, Measured, at_least, at_most
from grocery_scanner.prodtest.workload import recipes
from grocery_scanner.storage import recovery_records, repository
from grocery_scanner.storage.tables import PlanRow, RunRow
from grocery_scanner.workflow.plan_run import CHECKPOINTED, STAGES, PlanResult

SEED = 1
MATCHED_MIN = 0.75  # of the list's needs (pantry staples aside), matched to a product
FINISHED = ("done", "cached", "failed", "dead")


async def basic_workflow(ctx: Context) -> Measured:
    [text] = recipes(1, SEED)
    async with harness(ctx.settings, ctx.parser) as h:
        before = await h.health()
        [outcome] = await PlanLoad(h, ctx.progress).burst([text], "one plan")
        figures = {**load_figures([outcome]), "health_before": before, "health_after": await h.health()}
        if outcome.result is not None:
            figures |= await _stage_figures(h, outcome.result)
        stores = len(h.profiles)
    lines = text.count("\n- ")
    checks = [
        *load_checks(figures, ctx.settings.sla),
        quality_check(figures, ctx.settings.sla),
        at_least("health_after", figures["health_after"], HEALTHY, "health_score.HEALTHY"),
        *_stage_checks(figures, lines, stores),
    ]
    return Measured(figures, checks, [f"a list of {lines} items, planned at {stores} demo stores"])


async def _stage_figures(h: Harness, result: PlanResult) -> dict[str, Any]:
    stats = result.stats
    needs = [m for m in result.matches if m.status is not MatchStatus.PANTRY]
    async with h.db.session() as session:
        items = await repository.search_items(session, result.run_id)
        saved = await recovery_records.checkpoints(session, result.run_id)
        plans = await session.scalar(select(func.count()).where(PlanRow.run_id == result.run_id))
        status = await session.scalar(select(RunRow.status).where(RunRow.id == result.run_id))
    return {
        "stage_s": stats["timings_s"],
        "stages_completed": sum(name in stats["timings_s"] for name, _ in STAGES),
        "needs_parsed": stats.get("needs", 0),
        "stores_searched": sum(bool(h.arrivals(p.id)) for p in h.profiles),
        "unfinished_searches": sum(item.status not in FINISHED for item in items),
        "offers_recorded": stats.get("offers_recorded", 0),
        "offers_judged": stats.get("quality", {}).get("offers", 0),
        "matched_ratio": round(sum(m.status is MatchStatus.MATCHED for m in needs) / len(needs), 3) if needs else 0,
        "plan_lines": len(result.plan.lines),
        "plan_recorded": int(plans == 1 and status == "succeeded"),
        "checkpoints_kept": sum(stage in saved for stage in CHECKPOINTED),
    }


def _stage_checks(figures: dict[str, Any], lines: int, stores: int) -> list[Check]:
    """One check per stage: read, search, quality, match, optimise, and the run's record."""
    return [
        at_least("stages_completed", figures.get("stages_completed"), len(STAGES), "plan_run.STAGES"),
        at_least("needs_parsed", figures.get("needs_parsed"), lines, "the list's lines"),
        at_least("stores_searched", figures.get("stores_searched"), stores, "the demo stores"),
        at_most("unfinished_searches", figures.get("unfinished_searches"), 0, "every search item settled"),
        at_least("offers_recorded", figures.get("offers_recorded"), 1, "prices stored"),
        at_least("offers_judged", figures.get("offers_judged"), 1, "the quality gate ran"),
        at_least("matched_ratio", figures.get("matched_ratio"), MATCHED_MIN, "MATCHED_MIN"),
        at_least("plan_lines", figures.get("plan_lines"), 1, "something bought"),
        at_least("plan_recorded", figures.get("plan_recorded"), 1, "plan and run saved"),
        at_least("checkpoints_kept", figures.get("checkpoints_kept"), len(CHECKPOINTED), "plan_run.CHECKPOINTED"),
    ]
