"""`grocery-scanner worker`: takes plans from the queue and runs them, any number of these processes
sharing one database (and, with `shared_state_url`, one view of each store's breaker and rate).

A plan is taken by run id. A queued run is claimed atomically and done; any other unfinished run (its
worker died, or stopped) is resumed from its checkpoints once its lease has run out: its finished
searches are kept, never asked again. The job's heartbeat is touched while the run lives, so SAQ's
sweep hands the job of a dead worker to another."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import Any

from saq import Job, Worker
from saq.types import PartialTimersDict

from grocery_scanner.errors import GroceryError, UserInputError
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.storage import recovery_records
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.tables import RunRow
from grocery_scanner.workers.queue import PLAN_FUNCTION, connected, plan_queue
from grocery_scanner.workflow.plan_run import PlanRequest, RunCancelled, execute_plan, resume_plan
from grocery_scanner.workflow.stages import Progress

log = logging.getLogger(__name__)
PROGRESS_S = 0.5  # how often a running plan's progress (and the job's heartbeat) is written to the queue


async def run_worker(settings: Settings) -> None:
    """Runs until SIGINT or SIGTERM; plans under way are handed back to the queue for another worker."""
    queue = await connected(plan_queue(settings))
    async with Services(settings) as services, services.database() as db:

        async def plan(ctx: Any, *, run_id: str) -> str:
            return await _take(ctx["job"], run_id, services, db)

        worker = Worker(
            queue,
            id=f"{socket.gethostname()}:{os.getpid()}",  # which process runs a plan, in its progress
            functions=[(PLAN_FUNCTION, plan)],
            concurrency=settings.worker_concurrency,
            # a dead worker's job is swept (and handed on) within a heartbeat of its lease running out
            timers=PartialTimersDict(schedule=1, worker_info=10, sweep=max(1, round(settings.heartbeat_s)), abort=1),
            shutdown_grace_period_s=0,  # a stopped plan resumes elsewhere from its checkpoints
        )
        await worker.start()


async def _take(job: Job, run_id: str, services: Services, db: Database) -> str:
    latest: dict[str, Any] = {"worker": job.worker_id}

    def on_progress(event: Progress) -> None:
        if event.stage == "search":
            latest.update(stage="search", searches_done=event.done, searches_total=event.total)
        else:
            latest.update(stages_done=event.done, stages_total=event.total, stage_done=event.detail)

    reporting = asyncio.create_task(_report(job, latest))
    try:
        return await _run(run_id, services, db, on_progress)
    except RunCancelled:
        return "cancelled"
    except GroceryError as exc:  # recorded on the run: doing it again would fail the same way
        if not await _known(run_id, db):
            log.error(
                "plan %s is not in this worker's database: workers and the service share one (database_url)", run_id
            )
        return f"failed: {exc}"
    finally:
        reporting.cancel()
        # its own cancellation is its result; one of this task (the worker stopping) still reaches us
        await asyncio.gather(reporting, return_exceptions=True)
        with contextlib.suppress(Exception):  # its last word; the run's own record is in the database
            await job.update(meta=dict(latest))


async def _known(run_id: str, db: Database) -> bool:
    async with db.session() as session:
        return await session.get(RunRow, run_id) is not None


async def _run(run_id: str, services: Services, db: Database, progress: Any) -> str:
    settings = services.settings
    deadline = time.monotonic() + settings.run_stale_s + 2 * settings.heartbeat_s
    while True:
        async with db.session() as session:
            run = await recovery_records.find_run(session, run_id)
            if run.status in ("succeeded", "cancelled"):
                return run.status  # a job handed on after its plan finished
            claimed = run.status == "queued" and await recovery_records.claim_queued(session, run_id)
        if claimed:
            await execute_plan(PlanRequest.from_description(run.request), services, db, run_id, progress)
            return "succeeded"
        try:
            await resume_plan(run_id, services, db, progress)
            return "succeeded"
        except UserInputError:  # still running: its worker's lease has not run out yet
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(settings.heartbeat_s)


async def _report(job: Job, latest: dict[str, Any]) -> None:
    """The plan's progress into the job, which also touches its heartbeat."""
    while True:
        await asyncio.sleep(PROGRESS_S)
        try:
            await job.update(meta=dict(latest))
        except Exception as exc:  # the queue's Redis away for a moment: the next write will do
            log.warning("could not report plan progress to the queue: %s", exc)
