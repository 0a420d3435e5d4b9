"""The main job: recipes in, a shopping plan out, every price seen stored on the way.

Stages run in order (read -> search, recording each search's prices as it finishes -> quality gate
-> match -> optimise -> record plan), each
consuming only the previous stage's output. The run is recorded first and marked succeeded or
failed at the end; each stage writes in its own transaction, so a failed run leaves the database
consistent: whatever was observed stays recorded, nothing is half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.exc import SQLAlchemyError

from grocery_scanner.errors import CircuitOpen, GroceryError, UserInputError
from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.models import Recipe
from grocery_scanner.models.match import NeedMatch
from grocery_scanner.models.plan import Plan, SetAside
from grocery_scanner.optimize.planner import make_plan
from grocery_scanner.optimize.problem import VISIT_COST, BasketLimits, Strategy
from grocery_scanner.quality.gate import GateReport
from grocery_scanner.quality.scores import LOW, doubts
from grocery_scanner.reliability.priority import Priority, requests_at
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.storage import recovery_records, repository
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreResult
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.workflow.breaker_memory import remembered_breakers
from grocery_scanner.workflow.fallback import from_alternatives, last_known
from grocery_scanner.workflow.gating import gate_results
from grocery_scanner.workflow.invalidation import forget_changed
from grocery_scanner.workflow.recording import SearchRecorder, register_searches
from grocery_scanner.workflow.resume import Resume, finished_searches
from grocery_scanner.workflow.stages import (
    Ingredients,
    Progress,
    ProgressCallback,
    failure_summary,
    first_cause,
    match_needs,
    read_ingredients,
    search_offers,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanRequest:
    inputs: list[str]
    store_set: str = "demo"
    store_ids: list[str] | None = None
    strategy: Strategy = Strategy.BALANCED  # a trip to one more store must be worth it
    visit_cost: Decimal = VISIT_COST
    max_stores: int | None = None
    budget: Decimal | None = None
    servings: float | None = None
    rules_file: Path | None = None
    timeout_s: float = 300.0
    priority: Priority = Priority.INTERACTIVE  # whose store requests go first where plans share a process
    origin: str = "cli"  # "service": the service resumes it at its next start when it was interrupted
    texts: list[str] = field(default_factory=list)  # recipes or lists pasted as text (the service's form)
    # a second strategy the plan is also optimised with, for comparison (the service's A/B share)
    compare_with: Strategy | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "texts": self.texts,
            "origin": self.origin,
            "compare_with": self.compare_with.value if self.compare_with else None,
            "store_set": self.store_set,
            "stores": self.store_ids,
            "strategy": self.strategy.value,
            "visit_cost": str(self.visit_cost),
            "max_stores": self.max_stores,
            "budget": str(self.budget) if self.budget is not None else None,
            "servings": self.servings,
            "priority": self.priority.name.lower(),
            "rules_file": str(self.rules_file) if self.rules_file else None,
            "timeout_s": self.timeout_s,
        }

    @classmethod
    def from_description(cls, described: dict[str, Any]) -> PlanRequest:
        """The request a run recorded (`describe`), to resume it."""
        budget, rules = described.get("budget"), described.get("rules_file")
        compare = described.get("compare_with")
        return cls(
            inputs=list(described["inputs"]),
            texts=list(described.get("texts", [])),
            origin=str(described.get("origin", "cli")),
            compare_with=Strategy(compare) if compare else None,
            store_set=described.get("store_set", "demo"),
            store_ids=described.get("stores"),
            strategy=Strategy(described.get("strategy", Strategy.BALANCED.value)),
            visit_cost=Decimal(described.get("visit_cost", VISIT_COST)),
            max_stores=described.get("max_stores"),
            budget=Decimal(budget) if budget is not None else None,
            servings=described.get("servings"),
            rules_file=Path(rules) if rules else None,
            timeout_s=float(described.get("timeout_s", 300.0)),
            priority=Priority[str(described.get("priority", "interactive")).upper()],
        )


@dataclass
class PlanResult:
    run_id: str
    plan: Plan
    recipes: list[Recipe]
    matches: list[NeedMatch]
    problems: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


class RunTimeout(GroceryError):
    pass


class RunCancelled(GroceryError):
    pass


async def run_plan(
    request: PlanRequest,
    services: Services,
    db: Database,
    progress: ProgressCallback | None = None,
) -> PlanResult:
    return await execute_plan(request, services, db, await record_plan(request, db), progress)


async def record_plan(request: PlanRequest, db: Database, status: str = "running") -> str:
    """The run recorded, before any work: its id (the service answers with it at once, the run "queued"
    until its turn)."""
    async with db.session() as session:
        return await repository.start_run(session, "plan", request.describe(), status)


async def resume_plan(
    ref: str, services: Services, db: Database, progress: ProgressCallback | None = None
) -> PlanResult:
    """Goes on with a stopped plan run (failed, interrupted, or its process died): its checkpoints and
    finished searches are kept, only the rest is done."""
    started = time.perf_counter()
    async with db.session() as session:
        run = await recovery_records.find_run(session, ref)
        if run.kind != "plan":
            raise UserInputError(f"run {run.id[:8]} is a {run.kind} run, not a plan: only plans resume")
        if run.status in ("succeeded", "cancelled"):
            raise UserInputError(f"run {run.id[:8]} {run.status}: there is nothing to resume")
        if not await recovery_records.claim_run(session, run.id, services.settings.run_stale_s):
            raise UserInputError(f"run {run.id[:8]} is still running (its heartbeat is fresh): not resumed")
        saved = await recovery_records.checkpoints(session, run.id)
        before = await recovery_records.found_before(session, run.id)
    request = PlanRequest.from_description(run.request)
    return await execute_plan(request, services, db, run.id, progress, Resume(saved, before, started=started))


async def execute_plan(
    request: PlanRequest,
    services: Services,
    db: Database,
    run_id: str,
    progress: ProgressCallback | None = None,
    resume: Resume | None = None,
) -> PlanResult:
    """Does a recorded run (`record_plan`), or goes on with one (`resume`)."""
    if resume is None:
        async with db.session() as session:
            if not await repository.mark_running(session, run_id):
                raise RunCancelled(f"run {run_id[:8]} was cancelled before it started")
    stats: dict[str, Any] = {"timings_s": {}}
    cancel = asyncio.Event()  # set by the heartbeat when `workflows cancel` asks this run to stop
    heartbeat = asyncio.create_task(_heartbeat(db, run_id, services.settings, cancel, asyncio.current_task()))
    started, outcome = time.perf_counter(), "failed"
    try:
        async with asyncio.timeout(request.timeout_s):
            # wrong stores or rules fail the recorded run like any other stage would
            profiles = load_store_set(request.store_set).select(request.store_ids)
            names = {p.id: p.name for p in profiles}
            run = PlanContext(
                request, services, db, run_id, services.matcher(request.rules_file), names, progress, stats
            )
            run.resume = resume
            result = await _run_stages(run)
            outcome = "succeeded"
    except TimeoutError:
        outcome = "timeout"
        await _fail(db, run_id, stats, f"the run took longer than {request.timeout_s:g} s and was stopped")
        raise RunTimeout(f"the run took longer than {request.timeout_s:g} s and was stopped") from None
    except (asyncio.CancelledError, KeyboardInterrupt):  # Ctrl-C or SIGTERM: recorded, then passed on
        if cancel.is_set() and (task := asyncio.current_task()) is not None and task.uncancel() == 0:
            outcome = "cancelled"
            await _fail(db, run_id, stats, "cancelled by request", status="cancelled")
            raise RunCancelled(f"run {run_id[:8]} was cancelled (grocery-scanner workflows cancel)") from None
        outcome = "interrupted"
        await _fail(db, run_id, stats, "interrupted", status="interrupted")
        raise
    except BaseException as exc:
        await _fail(db, run_id, stats, str(exc) or type(exc).__name__)
        raise
    finally:
        heartbeat.cancel()
        if outcome != "succeeded":
            _observe(services, outcome, started, stats)
    stats["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # for the SLA
    async with db.session() as session:
        await repository.save_plan(session, run_id, result.plan)
        await repository.finish_run(session, run_id, "succeeded", stats)
    _observe(services, "succeeded", started, stats)
    return result


def _observe(services: Services, outcome: str, started: float, stats: dict[str, Any]) -> None:
    """The run in the process's metrics: its outcome and time, and the gauges its last stages measured."""
    metrics = services.metrics
    metrics.workflows.labels("plan", outcome).inc()
    metrics.workflow_seconds.labels("plan", outcome).observe(time.perf_counter() - started)
    if "dead_letters" in stats:
        metrics.dead_letters.set(stats["dead_letters"])
    quality = stats.get("quality") or {}
    if quality.get("held") is not None:
        metrics.quarantined.set(quality["held"])
    for store_id, scores in quality.get("stores", {}).items():
        metrics.quality_score.labels(store_id).set(scores["score"])


async def _heartbeat(
    db: Database, run_id: str, settings: Settings, cancel: asyncio.Event, owner: asyncio.Task[Any] | None
) -> None:
    """Touch the run and renew the leases on its searches while this process lives (a run whose process
    died stops beating), and stop the run (`owner`, the task running it) when `workflows cancel` asks."""
    while True:
        await asyncio.sleep(settings.heartbeat_s)
        with contextlib.suppress(SQLAlchemyError):  # a busy database: the next beat will do
            async with db.session() as session:
                await repository.beat(session, run_id)
                await recovery_records.renew_leases(session, run_id, settings.run_stale_s)
                if await recovery_records.cancel_requested(session, run_id) and owner is not None:
                    cancel.set()
                    owner.cancel()
                    return


async def _fail(db: Database, run_id: str, stats: dict[str, Any], error: str, status: str = "failed") -> None:
    async with db.session() as session:
        await repository.finish_run(session, run_id, status, stats, error)


@dataclass
class PlanContext:
    """What the stages share: the wiring, made once, and each stage's output (see OUTPUTS)."""

    request: PlanRequest
    services: Services
    db: Database
    run_id: str
    matcher: Matcher
    store_names: dict[str, str]
    progress: ProgressCallback | None = None
    stats: dict[str, Any] = field(default_factory=lambda: {"timings_s": {}})
    ingredients: Ingredients | None = None
    results: dict[str, list[StoreResult]] = field(default_factory=dict)
    matches: list[NeedMatch] = field(default_factory=list)
    plan: Plan | None = None
    gate: GateReport | None = None  # the quality stage's verdicts, for the scores on plan lines
    resume: Resume | None = None  # what a stopped run had done, when this one goes on with it

    def dump_output(self, stage: str) -> bytes:
        """A stage's output as JSON: what a checkpoint keeps."""
        attribute, kind = OUTPUTS[stage]
        return TypeAdapter(kind).dump_json(getattr(self, attribute))

    def load_output(self, stage: str, data: bytes) -> None:
        attribute, kind = OUTPUTS[stage]
        setattr(self, attribute, TypeAdapter(kind).validate_json(data))


# what each stage leaves in the context, and its type
OUTPUTS: dict[str, tuple[str, Any]] = {
    "read": ("ingredients", Ingredients),
    "search": ("results", dict[str, list[StoreResult]]),
    "quality": ("results", dict[str, list[StoreResult]]),  # the same results, gated
    "match": ("matches", list[NeedMatch]),
    "optimise": ("plan", Plan),
}


async def read_stage(run: PlanContext) -> None:
    run.ingredients = await read_ingredients(
        run.request.inputs,
        run.services.parser,
        run.matcher,
        run.request.servings,
        run.services.settings.url_policy(),
        run.request.texts,
    )


async def search_stage(run: PlanContext) -> None:
    assert run.ingredients is not None
    queries = list(dict.fromkeys(q for n in run.ingredients.needs if not n.pantry for q in run.matcher.queries(n)))
    recorder = SearchRecorder(run.db, run.run_id)
    finished = finished_searches(run.resume) if run.resume is not None else {}
    if run.resume is not None:  # what it recorded before is not recorded twice
        recorder.recorded.update(run.resume.before.offers)
    run.stats["resumed_searches"] = len(finished)
    if run.resume is not None:  # from the resume's start until its searches go on: the recovery time
        run.stats["recovery_s"] = round(time.perf_counter() - run.resume.started, 3)
    async with run.services.stores(run.request.store_set, run.request.store_ids) as stores:
        await register_searches(run.db, run.run_id, stores.profiles, queries)
        async with run.db.session() as session:  # a resumed run takes over what was in flight when it died
            run.stats["reclaimed_searches"] = await recovery_records.lease_searches(
                session, run.run_id, run.services.settings.run_stale_s, take_over=run.resume is not None
            )
        deadline = run.services.settings.search_deadline_s
        asked = [*stores.profiles, *stores.alternatives.values()]
        with requests_at(run.request.priority):  # the searches' tasks inherit it
            async with remembered_breakers(run.db, stores.client, asked):
                run.results = await search_offers(
                    stores.client, stores.profiles, queries, run.progress, recorder, deadline, finished
                )
                await recorder.flush()
                alternative = await from_alternatives(
                    stores.client, stores.alternatives, run.results, run.db, run.run_id, deadline
                )
            found = [r for per_query in run.results.values() for r in per_query]
            run.stats["cache_invalidated"] = await forget_changed(
                stores.client, stores.profiles, found, run.db, run.run_id
            )
        run.stats["requests_per_store"] = stores.client.requests_per_store()
        run.stats["rate_per_s"] = {p.id: p.limits.rate_per_s for p in stores.profiles}
        stale = await last_known(run.results, {p.id: p for p in stores.profiles}, run.db, run.run_id)
    run.stats["offers_recorded"] = len(recorder.recorded)
    run.stats["alternative_searches"] = alternative
    run.stats["stale_searches"] = stale
    results = [r for per_query in run.results.values() for r in per_query]
    failed = [r for r in results if r.error]
    run.stats["dead_letters"] = await dead_letter(failed, run)
    sent = sum(r.requests for r in results if (r.store_id, r.query) not in finished)  # by this process
    run.stats.update(requests=sent, searches=len(results), failed_searches=len(failed))
    if results and len(failed) == len(results) and not stale and not alternative:
        cause = first_cause([r.error for r in failed if r.error is not None])
        raise GroceryError(f"every store search failed, e.g. {failed[0].store_id}: {cause}")


async def quality_stage(run: PlanContext) -> None:
    """Every offer through the quality gate: quarantined ones never reach matching."""
    request = run.request
    run.results, run.gate = await gate_results(
        run.results, run.db, run.run_id, run.services, request.store_set, run.store_names
    )
    run.stats["quality"] = run.gate.summary()


async def dead_letter(failed: list[StoreResult], run: PlanContext) -> int:
    """Searches that failed after their retries (or for good) wait in the dead-letter queue; a breaker
    that was open sent nothing, so it is no failure of the search. Returns the queue's open size."""
    pairs = [(r, r.error) for r in failed if r.error is not None and not isinstance(r.error, CircuitOpen)]
    letters = [(e.store_id, r.query, type(e).__name__, e.message) for r, e in pairs]
    for store_id, alert in sorted({(e.store_id, e.alert) for _, e in pairs if e.alert}):
        name = run.store_names.get(store_id, store_id)
        run.stats.setdefault("alerts", []).append(f"{name}: {alert}")
        log.warning("%s: %s", name, alert)
    done = [(r.store_id, r.query) for rs in run.results.values() for r in rs if r.error is None]
    dead = [(e.store_id, r.query) for r, e in pairs if e.permanent]
    async with run.db.session() as session:
        if letters:
            await recovery_records.add_dead_letters(session, run.run_id, letters, run.request.store_set)
        await recovery_records.settle_letters(session, run.run_id, done, dead)
        return await recovery_records.open_letters(session)


async def match_stage(run: PlanContext) -> None:
    assert run.ingredients is not None
    run.matches = match_needs(run.matcher, run.ingredients.needs, run.results)
    run.stats["needs"] = len(run.ingredients.needs)
    run.stats["recipes"] = len(run.ingredients.recipes)


async def optimise_stage(run: PlanContext) -> None:
    request = run.request
    limits = BasketLimits(
        strategy=request.strategy, max_stores=request.max_stores, budget=request.budget, visit_cost=request.visit_cost
    )
    prefer = run.matcher.rules.prefer_brands
    run.plan = make_plan(run.matches, limits, run.store_names, prefer_brands=prefer)
    if request.compare_with is not None:  # the A/B share: the same matches under the other strategy
        other = make_plan(
            run.matches, replace(limits, strategy=request.compare_with), run.store_names, prefer_brands=prefer
        )
        run.stats["comparison"] = {
            "strategy": request.strategy.value,
            "total": str(run.plan.total),
            "stores": len(run.plan.stores),
            "other_strategy": request.compare_with.value,
            "other_total": str(other.total),
            "other_stores": len(other.stores),
        }
    run.plan.warnings.extend(failure_summary([r for rs in run.results.values() for r in rs], run.store_names))
    for store_id, searches in run.stats.get("alternative_searches", {}).items():
        name = run.store_names.get(store_id, store_id)
        run.plan.warnings.append(f"{name}: {searches} failed searches answered by its alternative source")
    for store_id, searches in run.stats.get("stale_searches", {}).items():
        name = run.store_names.get(store_id, store_id)
        run.plan.warnings.append(f"{name}: {searches} failed searches answered with its last known prices (stale)")
    if run.gate is not None:
        _quality_notes(run.plan, run.gate, run.store_names)
    run.plan.warnings.extend(run.stats.get("alerts", []))
    threshold = run.services.settings.dlq_alert_threshold
    if (waiting := run.stats.get("dead_letters", 0)) >= threshold:
        alert = (
            f"the dead-letter queue holds {waiting} failed searches (alert at {threshold}): grocery-scanner dlq list"
        )
        log.warning(alert)
        run.plan.warnings.append(alert)


def _quality_notes(plan: Plan, gate: GateReport, names: dict[str, str]) -> None:
    """Each line's quality score (a warning where it is low), the offers set aside and the stale stores."""
    for line in plan.lines:
        verdict = gate.verdicts.get((line.store_id, line.sku))
        if verdict is None:
            continue
        line.quality = verdict.score
        if verdict.score < LOW:
            flag = gate.stale_stores.get(line.store_id)
            line.quality_warning = doubts(verdict.offer, verdict.findings, gate.judged_at, flag)
    for store_id, why in gate.stale_stores.items():
        plan.warnings.append(f"{names.get(store_id, store_id)}: {why}")
    for verdict in gate.quarantined:
        store_id = verdict.offer.product.store_id
        plan.set_aside.append(
            SetAside(
                store_id=store_id,
                store_name=names.get(store_id, store_id),
                product=verdict.offer.product.name,
                price=str(verdict.offer.price) if verdict.offer.price is not None else None,
                reason=verdict.reason,
            )
        )


Stage = Callable[[PlanContext], Awaitable[None]]
# the workflow, in order: each stage reads only what the ones before it left in the context
STAGES: tuple[tuple[str, Stage], ...] = (
    ("read", read_stage),
    ("search", search_stage),
    ("quality", quality_stage),
    ("match", match_stage),
    ("optimise", optimise_stage),
)


# stages whose output is kept as a checkpoint; the search stage keeps its own, search by search (search
# items and the offers they found), and the stages after it are quick to do again
CHECKPOINTED = frozenset({"read"})


async def _run_stages(run: PlanContext) -> PlanResult:
    timings = run.stats["timings_s"]
    for done, (name, stage) in enumerate(STAGES, 1):
        started = time.perf_counter()
        if not _restored(run, name):
            await stage(run)
            if name in CHECKPOINTED:
                async with run.db.session() as session:
                    await recovery_records.save_checkpoint(session, run.run_id, name, run.dump_output(name).decode())
        timings[name] = round(time.perf_counter() - started, 3)
        if run.progress:  # a "stage" event: how many of the stages have finished, and which
            run.progress(Progress("stage", done, len(STAGES), name))
    assert run.ingredients is not None and run.plan is not None
    if run.resume is not None:
        run.plan.warnings.extend(run.resume.problems)
    return PlanResult(run.run_id, run.plan, run.ingredients.recipes, run.matches, run.ingredients.problems, run.stats)


def _restored(run: PlanContext, stage: str) -> bool:
    """A resumed run takes a stage's output from its checkpoint; one that cannot be read is reported and
    the stage done again."""
    saved = run.resume.checkpoints.get(stage) if run.resume is not None else None
    if saved is None or run.resume is None:
        return False
    try:
        run.load_output(stage, saved.encode())
    except ValueError as exc:  # pydantic's ValidationError included
        run.resume.problems.append(f"the {stage} stage's checkpoint was unreadable ({type(exc).__name__}): done again")
        return False
    return True
