"""The plans a service process runs: each an asyncio task over the durable workflow, its live progress
kept here for status requests and event streams. What must survive the process (the run, its searches,
its plan) is in the database; this is only the live view, and the runs' state is read from the database
for any run this process does not hold."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from grocery_scanner.errors import GroceryError
from grocery_scanner.models import utcnow
from grocery_scanner.services import Services
from grocery_scanner.storage.database import Database
from grocery_scanner.workflow.plan_run import (
    STAGES,
    PlanRequest,
    PlanResult,
    RunCancelled,
    RunTimeout,
    execute_plan,
    record_plan,
    resume_plan,
)
from grocery_scanner.workflow.stages import Progress, ProgressCallback

log = logging.getLogger(__name__)
FINISHED = frozenset({"succeeded", "failed", "cancelled", "timeout", "interrupted"})
STAGE_NAMES = [name for name, _ in STAGES]


@dataclass
class Job:
    """One plan's live state in this process."""

    run_id: str
    status: str = "queued"  # queued, running, then one of FINISHED
    stage: str = "queued"  # the stage under way
    stages_done: int = 0
    stages_total: int = len(STAGE_NAMES)
    searches_done: int = 0
    searches_total: int = 0
    error: str | None = None
    result: PlanResult | None = None
    created: float = field(default_factory=time.monotonic)
    finished_at: str | None = None
    version: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def touch(self) -> None:
        self.version += 1
        self.changed.set()
        self.changed = asyncio.Event()

    def on_progress(self, event: Progress) -> None:
        if event.stage == "search":
            self.stage, self.searches_done, self.searches_total = "search", event.done, event.total
        else:  # a stage finished: the next one is under way
            self.stages_done, self.stages_total = event.done, event.total
            self.stage = STAGE_NAMES[event.done] if event.done < len(STAGE_NAMES) else "done"
        self.touch()

    def view(self) -> dict[str, Any]:
        return {
            "id": self.run_id,
            "status": self.status,
            "stage": self.stage,
            "stages_done": self.stages_done,
            "stages_total": self.stages_total,
            "searches_done": self.searches_done,
            "searches_total": self.searches_total,
            "error": self.error,
            "finished_at": self.finished_at,
        }


Work = Callable[[ProgressCallback], Awaitable[PlanResult]]


class Plans(Protocol):
    """Where the service's plans run: in this process (PlanJobs) or on the workers (api/queued.py)."""

    runs_here: bool

    async def submit(self, request: PlanRequest) -> Job: ...

    def start_recorded(self, run_id: str, request: PlanRequest) -> object: ...

    def resume(self, run_id: str) -> object: ...

    async def live(self, run_id: str) -> Job | None: ...

    def changes(self, job: Job, timeout_s: float) -> AsyncIterator[Job]: ...

    async def active(self) -> int: ...

    async def aclose(self) -> None: ...


class PlanJobs:
    """Runs plans, at most `concurrency` at once (the rest wait their turn, recorded as queued)."""

    def __init__(self, services: Services, db: Database, concurrency: int, keep: int) -> None:
        self.services, self.db = services, db
        self._turns = asyncio.Semaphore(concurrency)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._keep = keep

    async def submit(self, request: PlanRequest) -> Job:
        run_id = await record_plan(request, self.db, status="queued")
        return self._start(run_id, lambda progress: execute_plan(request, self.services, self.db, run_id, progress))

    def start_recorded(self, run_id: str, request: PlanRequest) -> Job:
        """A run recorded as queued by an earlier process that stopped before its turn."""
        return self._start(run_id, lambda progress: execute_plan(request, self.services, self.db, run_id, progress))

    def resume(self, run_id: str) -> Job:
        return self._start(run_id, lambda progress: resume_plan(run_id, self.services, self.db, progress))

    runs_here = True  # start-up recovery waits for the leases of this service's earlier process

    async def live(self, run_id: str) -> Job | None:
        return self._jobs.get(run_id)

    async def active(self) -> int:
        return sum(1 for job in self._jobs.values() if job.status not in FINISHED)

    async def changes(self, job: Job, timeout_s: float) -> AsyncIterator[Job]:
        """The job each time it changes, until it finishes (the last one is its finished state)."""
        yield job
        while job.status not in FINISHED:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await job.changed.wait()
            yield job

    async def aclose(self) -> None:
        """Stops every plan of this process: they are recorded as interrupted and resume at the next start."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start(self, run_id: str, work: Work) -> Job:
        job = Job(run_id)
        self._jobs[run_id] = job
        task = asyncio.create_task(self._run(job, work), name=f"plan {run_id[:8]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._forget_old()
        return job

    async def _run(self, job: Job, work: Work) -> None:
        async with self._turns:
            job.status, job.stage = "running", "read"
            job.touch()
            try:
                job.result = await work(job.on_progress)
                job.status = "succeeded"
            except RunCancelled as exc:
                job.status, job.error = "cancelled", str(exc)
            except RunTimeout as exc:
                job.status, job.error = "timeout", str(exc)
            except asyncio.CancelledError:  # the service stopping: the run is recorded as interrupted
                job.status, job.error = "interrupted", "the service stopped; the plan resumes at its next start"
                raise
            except GroceryError as exc:
                job.status, job.error = "failed", str(exc)
            except Exception as exc:  # recorded by the workflow; never shown with its internals
                log.exception("plan %s failed", job.run_id)
                job.status, job.error = "failed", f"internal error ({type(exc).__name__}); see the service log"
            finally:
                job.finished_at = utcnow().isoformat()
                job.touch()

    def _forget_old(self) -> None:
        """Finished jobs beyond the newest `keep` leave memory (the database still has them)."""
        finished = [run_id for run_id, job in self._jobs.items() if job.status in FINISHED]
        for run_id in finished[: max(0, len(finished) - self._keep)]:
            del self._jobs[run_id]
