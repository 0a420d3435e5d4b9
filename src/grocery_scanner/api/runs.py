"""A plan run's status and result for the API: from this process's live job where it has one, else from
the database (a run of an earlier process, or one whose live view was forgotten)."""

from __future__ import annotations

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grocery_scanner.api.jobs import Job
from grocery_scanner.api.schemas import PlanResultBody, PlanStatus
from grocery_scanner.errors import UserInputError
from grocery_scanner.models.plan import Plan
from grocery_scanner.storage import recovery_records
from grocery_scanner.storage.repository import as_utc
from grocery_scanner.storage.tables import PlanRow, RunRow
from grocery_scanner.workflow.plan_run import OUTPUTS, PlanResult
from grocery_scanner.workflow.stages import Ingredients


class NotFound(UserInputError):
    """No such plan run: a 404."""


class NotReady(UserInputError):
    """The run has no result (yet, or at all): a 409."""


async def recorded_run(session: AsyncSession, run_id: str) -> RunRow:
    run = await session.get(RunRow, run_id)
    if run is None or run.kind != "plan":
        raise NotFound(f"no plan with id {run_id}")
    return run


def live_status(job: Job, run: RunRow) -> PlanStatus:
    view = job.view()
    if run.status == "cancelling" and job.status == "running":
        view["status"] = "cancelling"
    elif run.status == "cancelled" and job.status == "queued":  # cancelled while it waited its turn
        view["status"] = "cancelled"
    return PlanStatus(**view, started_at=as_utc(run.started_at))


def recorded_status(run: RunRow) -> PlanStatus:
    timings = (run.stats or {}).get("timings_s", {})
    return PlanStatus(
        id=run.id,
        status=run.status,
        stage=None,
        stages_done=len(timings),
        stages_total=len(OUTPUTS),
        error=run.error,
        started_at=as_utc(run.started_at),
        finished_at=as_utc(run.finished_at) if run.finished_at else None,
    )


def live_result(result: PlanResult) -> PlanResultBody:
    return PlanResultBody(
        id=result.run_id,
        plan=result.plan,
        recipes=[r.title for r in result.recipes],
        problems=result.problems,
        comparison=result.stats.get("comparison"),
    )


async def recorded_result(session: AsyncSession, run: RunRow) -> PlanResultBody:
    if run.status != "succeeded":
        raise NotReady(f"plan {run.id} has no result: it is {run.status}" + (f" ({run.error})" if run.error else ""))
    document = await session.scalar(select(PlanRow.document).where(PlanRow.run_id == run.id))
    if document is None:
        raise NotReady(f"plan {run.id} succeeded but its plan was not recorded")
    saved = (await recovery_records.checkpoints(session, run.id)).get("read")
    recipes: list[str] = []
    problems: list[str] = []
    if saved is not None:
        ingredients = TypeAdapter(Ingredients).validate_json(saved)
        recipes, problems = [r.title for r in ingredients.recipes], ingredients.problems
    return PlanResultBody(
        id=run.id,
        plan=Plan.model_validate(document),
        recipes=recipes,
        problems=problems,
        comparison=(run.stats or {}).get("comparison"),
    )
