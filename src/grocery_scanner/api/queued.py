"""Plans the service hands to the worker processes (`queue_url` set): submitted plans are recorded and
enqueued; their live state is read from the database and from what their worker reports in the queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from redis.exceptions import RedisError
from saq import Queue

from grocery_scanner.api.jobs import FINISHED, STAGE_NAMES, Job
from grocery_scanner.errors import GroceryError
from grocery_scanner.services import Services
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.repository import as_utc
from grocery_scanner.storage.tables import RunRow
from grocery_scanner.workers.queue import enqueue_plan, progress_of
from grocery_scanner.workflow.plan_run import PlanRequest, record_plan

POLL_S = 0.5  # how often a followed plan's state is read again


class QueuedPlans:
    """The same interface as PlanJobs (api/jobs.py), over the queue."""

    runs_here = False  # the workers run the plans: no lease of theirs is waited for at start-up

    def __init__(self, services: Services, db: Database, queue: Queue) -> None:
        self.services, self.db, self.queue = services, db, queue
        self._enqueuing: set[asyncio.Task[None]] = set()

    async def submit(self, request: PlanRequest) -> Job:
        run_id = await record_plan(request, self.db, status="queued")
        try:
            await enqueue_plan(self.queue, run_id, self.services.settings)
        except (OSError, RedisError) as exc:  # recorded as queued: the next start of the service enqueues it
            raise GroceryError(f"the plan queue is not reachable ({exc}); plan {run_id} waits for it") from None
        return Job(run_id)

    def start_recorded(self, run_id: str, request: PlanRequest) -> None:
        self.resume(run_id)

    def resume(self, run_id: str) -> None:
        """A run an earlier service recorded: enqueued again (the queue keeps one job per run)."""
        task = asyncio.get_running_loop().create_task(enqueue_plan(self.queue, run_id, self.services.settings))
        self._enqueuing.add(task)  # held until done: the loop keeps only a weak reference to a task
        task.add_done_callback(self._enqueuing.discard)

    async def live(self, run_id: str) -> Job | None:
        async with self.db.session() as session:
            run = await session.get(RunRow, run_id)
        if run is None:
            return None
        job = Job(run_id, status="running" if run.status == "cancelling" else run.status)
        meta = await progress_of(self.queue, run_id) or {}
        job.searches_done = int(meta.get("searches_done", 0))
        job.searches_total = int(meta.get("searches_total", 0))
        job.stages_done = int(meta.get("stages_done", 0))
        if run.status == "succeeded":
            job.stages_done = len(STAGE_NAMES)
        if job.stages_done >= len(STAGE_NAMES) or job.status in FINISHED:
            job.stage = "done"
        else:  # the search reports itself; after it, the stage under way is the one after those done
            job.stage = meta.get("stage", "queued") if job.stages_done <= 1 else STAGE_NAMES[job.stages_done]
        job.error = run.error
        job.finished_at = as_utc(run.finished_at).isoformat() if run.finished_at else None
        return job

    async def changes(self, job: Job, timeout_s: float) -> AsyncIterator[Job]:
        """The plan's state each time it changes, until it finishes."""
        shown: dict[str, object] | None = None
        current: Job | None = job
        while current is not None:
            if current.view() != shown:
                shown = current.view()
                yield current
            if current.status in FINISHED:
                return
            await asyncio.sleep(POLL_S)
            current = await self.live(job.run_id)

    async def active(self) -> int:
        return int(await self.queue.count("active"))

    async def aclose(self) -> None:
        await self.queue.disconnect()
