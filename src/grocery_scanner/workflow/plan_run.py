"""The main job: recipes in, a shopping plan out, every price seen stored on the way.

Stages run in order (read -> search, recording each search's prices as it finishes -> match ->
optimise -> record plan), each
consuming only the previous stage's output. The run is recorded first and marked succeeded or
failed at the end; each stage writes in its own transaction, so a failed run leaves the database
consistent: whatever was observed stays recorded, nothing is half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from grocery_scanner.errors import GroceryError
from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.matching.rules import MatchRules
from grocery_scanner.models import Recipe
from grocery_scanner.models.match import NeedMatch
from grocery_scanner.models.plan import Plan
from grocery_scanner.optimize.planner import make_plan
from grocery_scanner.optimize.problem import VISIT_COST, Limits, Strategy
from grocery_scanner.settings import Settings
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreClient, StoreResult
from grocery_scanner.stores.session import open_stores
from grocery_scanner.workflow.stages import (
    Progress,
    ProgressCallback,
    failure_summary,
    match_needs,
    read_ingredients,
    search_offers,
)

STAGES = ("read", "search", "match", "optimise")


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

    def describe(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "store_set": self.store_set,
            "stores": self.store_ids,
            "strategy": self.strategy.value,
            "visit_cost": str(self.visit_cost),
            "max_stores": self.max_stores,
            "budget": str(self.budget) if self.budget is not None else None,
            "servings": self.servings,
        }


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


async def run_plan(
    request: PlanRequest,
    settings: Settings,
    db: Database,
    progress: ProgressCallback | None = None,
    parser: LineParser | None = None,
) -> PlanResult:
    async with db.session() as session:
        run_id = await repository.start_run(session, "plan", request.describe())
    stats: dict[str, Any] = {"timings_s": {}}
    heartbeat = asyncio.create_task(_heartbeat(db, run_id, settings.heartbeat_s))
    try:
        async with asyncio.timeout(request.timeout_s):
            result = await _stages(request, settings, db, run_id, stats, progress, parser)
    except TimeoutError:
        await _fail(db, run_id, stats, f"the run took longer than {request.timeout_s:g} s and was stopped")
        raise RunTimeout(f"the run took longer than {request.timeout_s:g} s and was stopped") from None
    except (asyncio.CancelledError, KeyboardInterrupt):  # Ctrl-C or SIGTERM: recorded, then passed on
        await _fail(db, run_id, stats, "interrupted", status="interrupted")
        raise
    except BaseException as exc:
        await _fail(db, run_id, stats, str(exc) or type(exc).__name__)
        raise
    finally:
        heartbeat.cancel()
    async with db.session() as session:
        await repository.save_plan(session, run_id, result.plan)
        await repository.finish_run(session, run_id, "succeeded", stats)
    return result


async def _heartbeat(db: Database, run_id: str, every_s: float) -> None:
    """Touch the run while this process lives; a run whose process died stops beating."""
    while True:
        await asyncio.sleep(every_s)
        with contextlib.suppress(SQLAlchemyError):  # a busy database: the next beat will do
            async with db.session() as session:
                await repository.beat(session, run_id)


async def _fail(db: Database, run_id: str, stats: dict[str, Any], error: str, status: str = "failed") -> None:
    async with db.session() as session:
        await repository.finish_run(session, run_id, status, stats, error)


async def _stages(
    request: PlanRequest,
    settings: Settings,
    db: Database,
    run_id: str,
    stats: dict[str, Any],
    progress: ProgressCallback | None,
    parser: LineParser | None,
) -> PlanResult:
    timings = stats["timings_s"]
    started = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal started
        timings[stage] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        if progress:  # a "stage" event: how many of the stages have finished, and which
            progress(Progress("stage", len(timings), len(STAGES), stage))

    rules = MatchRules.load(request.rules_file)
    matcher = Matcher(rules)
    ingredients = await read_ingredients(
        request.inputs, parser or LineParser(), matcher, request.servings, settings.url_policy()
    )
    lap("read")
    queries = [q for n in ingredients.needs if not n.pantry for q in matcher.queries(n)]
    recorded: set[tuple[str, str]] = set()
    writer = asyncio.Lock()  # one writer at a time; the searches go on meanwhile

    async def record(result: StoreResult) -> None:
        # each finished search is committed at once; a product seen by two queries is one observation
        fresh = {(o.product.store_id, o.product.sku): o for o in result.offers}
        fresh = {k: o for k, o in fresh.items() if k not in recorded}
        recorded.update(fresh)
        async with writer, db.session() as session:
            await repository.save_offers(session, list(fresh.values()), run_id)

    async with (
        open_stores(settings, request.store_set, request.store_ids) as profiles,
        StoreClient(settings.http_timeout_s, settings.max_pages) as client,
    ):
        async with db.session() as session:
            await repository.save_stores(session, profiles)
        offers = await search_offers(client, profiles, queries, progress, record)
        stats["requests_per_store"] = dict(client.requests)
        stats["rate_per_s"] = {p.id: p.limits.rate_per_s for p in profiles}
    stats["offers_recorded"] = len(recorded)
    lap("search")
    results = [r for per_query in offers.values() for r in per_query]
    failed = [r for r in results if r.error]
    if results and len(failed) == len(results):
        raise GroceryError(f"every store search failed, e.g. {failed[0].error}")
    matches = match_needs(matcher, ingredients.needs, offers)
    lap("match")
    limits = Limits(
        strategy=request.strategy, max_stores=request.max_stores, budget=request.budget, visit_cost=request.visit_cost
    )
    names = {p.id: p.name for p in profiles}
    plan = make_plan(matches, limits, names, prefer_brands=rules.prefer_brands)
    lap("optimise")
    plan.warnings.extend(failure_summary(results, names))
    stats.update(
        requests=sum(r.requests for r in results),
        searches=len(results),
        failed_searches=len(failed),
        needs=len(ingredients.needs),
    )
    return PlanResult(run_id, plan, ingredients.recipes, matches, ingredients.problems, stats)
