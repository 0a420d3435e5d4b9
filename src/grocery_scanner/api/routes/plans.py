"""/api/v1/plans: submit a plan (202 with its id), follow it (status, server-sent events), read its
result (JSON or CSV), cancel it."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sse_starlette.sse import EventSourceResponse

from grocery_scanner.api import runs
from grocery_scanner.api.schemas import (
    CancelBody,
    PlanAccepted,
    PlanLinks,
    PlanResultBody,
    PlanStatus,
    PlanSubmission,
    errors,
)
from grocery_scanner.api.security import rate_limited, require_writer, submission_limited
from grocery_scanner.api.state import State
from grocery_scanner.errors import UserInputError
from grocery_scanner.optimize.problem import Strategy
from grocery_scanner.reports.plan_formats import render_csv
from grocery_scanner.storage import recovery_records
from grocery_scanner.storage.repository import as_utc
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.workflow.plan_run import PlanRequest

router = APIRouter(
    prefix="/api/v1/plans", tags=["plans"], dependencies=[Depends(rate_limited)], responses=errors(400, 429)
)
RunId = Annotated[uuid.UUID, Path(description="The plan's id, as submitting it answered.")]
EVENT_KEEPALIVE_S = 15.0


def _links(run_id: str) -> PlanLinks:
    base = f"/api/v1/plans/{run_id}"
    return PlanLinks(status=base, events=f"{base}/events", result=f"{base}/result", cancel=f"{base}/cancel")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PlanAccepted,
    dependencies=[Depends(require_writer), Depends(submission_limited)],
    responses=errors(401, 413, 502),
)
async def submit_plan(body: PlanSubmission, state: State, response: Response) -> PlanAccepted:
    """Starts a plan; it runs in the background. Follow it at `links.status` or `links.events`."""
    limits, features = state.settings.service, state.settings.features
    if len(body.texts) > limits.max_texts:
        raise UserInputError(f"texts: at most {limits.max_texts} recipes or lists in one plan")
    if body.urls and not features.recipe_urls:
        raise UserInputError("urls: recipe URLs are switched off on this service (features.recipe_urls)")
    if len(body.urls) > limits.max_urls:
        raise UserInputError(f"urls: at most {limits.max_urls} recipe URLs in one plan")
    store_set = body.store_set or state.settings.store_set
    load_store_set(store_set).select(body.stores)  # an unknown set or store is refused before any work
    compare = None
    if features.ab_comparison and random.random() < limits.ab_share:
        other = Strategy(limits.ab_strategy)
        compare = other if other is not body.strategy else None
    request = PlanRequest(
        inputs=[str(u) for u in body.urls],
        texts=[t for t in body.texts if t.strip()],
        store_set=store_set,
        store_ids=body.stores,
        strategy=body.strategy,
        visit_cost=body.visit_cost,
        max_stores=body.max_stores,
        budget=body.budget,
        servings=body.servings,
        timeout_s=state.settings.run_timeout_s,
        origin="service",
        compare_with=compare,
    )
    job = await state.jobs.submit(request)
    response.headers["Location"] = f"/api/v1/plans/{job.run_id}"
    return PlanAccepted(id=job.run_id, status=job.status, links=_links(job.run_id))


@router.get("", response_model=list[PlanStatus])
async def list_plans(state: State, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[PlanStatus]:
    """The latest plans, newest first."""
    async with state.db.session() as session:
        rows = await recovery_records.recent_plan_runs(session, limit)
    return [
        runs.live_status(job, row) if (job := await state.jobs.live(row.id)) is not None else runs.recorded_status(row)
        for row in rows
    ]


@router.get("/{run_id}", response_model=PlanStatus, responses=errors(404))
async def plan_status(run_id: RunId, state: State) -> PlanStatus:
    """Where the plan is: its stage, searches done of all, and how it ended."""
    async with state.db.session() as session:
        run = await runs.recorded_run(session, str(run_id))
    job = await state.jobs.live(run.id)
    return runs.live_status(job, run) if job is not None else runs.recorded_status(run)


@router.get(
    "/{run_id}/events",
    responses={200: {"content": {"text/event-stream": {}}, "description": "Status events"}, **errors(404)},
)
async def plan_events(run_id: RunId, state: State, request: Request) -> EventSourceResponse:
    """Server-sent events: a `status` event (a PlanStatus) each time the plan moves on, the last when it ends."""
    async with state.db.session() as session:
        run = await runs.recorded_run(session, str(run_id))
    job = await state.jobs.live(run.id)

    async def events() -> AsyncIterator[dict[str, str]]:
        if job is None:  # not running here: its recorded state, once
            yield {"event": "status", "data": runs.recorded_status(run).model_dump_json()}
            return
        async for current in state.jobs.changes(job, EVENT_KEEPALIVE_S):
            if await request.is_disconnected():
                return
            view = {**current.view(), "started_at": as_utc(run.started_at).isoformat()}
            yield {"event": "status", "data": json.dumps(view)}

    return EventSourceResponse(events(), ping=int(EVENT_KEEPALIVE_S))


@router.get(
    "/{run_id}/result",
    response_model=PlanResultBody,
    responses=errors(404, 409),
)
async def plan_result(run_id: RunId, state: State) -> PlanResultBody:
    """The shopping plan: what to buy at which store, the totals and savings, and what could not be bought."""
    return await _result(str(run_id), state)


@router.get(
    "/{run_id}/result.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **errors(404, 409)},
)
async def plan_result_csv(run_id: RunId, state: State) -> Response:
    """The plan's lines as CSV, one row per product bought."""
    result = await _result(str(run_id), state)
    return Response(
        render_csv(result.plan),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="plan-{str(run_id)[:8]}.csv"'},
    )


async def _result(run_id: str, state: State) -> PlanResultBody:
    job = await state.jobs.live(run_id)
    if job is not None and job.result is not None:
        return runs.live_result(job.result)
    async with state.db.session() as session:
        run = await runs.recorded_run(session, run_id)
        if job is not None and run.status in ("queued", "running"):
            raise runs.NotReady(f"plan {run_id} is not finished: it is {job.status} ({job.stage})")
        return await runs.recorded_result(session, run)


@router.post(
    "/{run_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CancelBody,
    dependencies=[Depends(require_writer)],
    responses=errors(401, 404, 409),
)
async def cancel_plan(run_id: RunId, state: State) -> CancelBody:
    """Asks the plan to stop: a queued one is cancelled at once, a running one at its next heartbeat."""
    async with state.db.session() as session:
        run = await runs.recorded_run(session, str(run_id))
        if run.status in ("succeeded", "cancelled", "failed", "timeout"):
            raise runs.NotReady(f"plan {run.id} is {run.status}: nothing to cancel")
        outcome = await recovery_records.request_cancel(session, run, state.settings.run_stale_s)
    return CancelBody(id=run.id, status=outcome)
