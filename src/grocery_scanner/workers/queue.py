"""The plan queue: SAQ on the Redis at `queue_url`. A plan is one job keyed by its run id; the job's
heartbeat is the run's lease (`run_stale_s`), so a job whose worker died is swept and handed to another
worker, which resumes the run from what was recorded. Live progress travels in the job's `meta`."""

from __future__ import annotations

from typing import Any

from saq import Job, Queue

from grocery_scanner.errors import UserInputError
from grocery_scanner.settings import Settings

QUEUE_NAME = "grocery-plans"
PLAN_FUNCTION = "plan"
RETRIES = 5  # a plan whose workers keep dying is given up after this many


def plan_queue(settings: Settings) -> Queue:
    if settings.queue_url is None:
        raise UserInputError("queue_url is not set (GROCERY_QUEUE_URL=redis://host:6379/0): there is no queue")
    return Queue.from_url(settings.queue_url.get_secret_value(), name=QUEUE_NAME)


async def connected(queue: Queue) -> Queue:
    """The queue, connected; an unreachable Redis is one line naming the setting."""
    try:
        await queue.connect()
        await queue.count("queued")  # the first real round trip
    except (OSError, ConnectionError) as exc:
        raise UserInputError(f"queue_url: the queue's Redis is not reachable ({exc})") from None
    except Exception as exc:  # redis-py's own connection errors
        if type(exc).__module__.startswith("redis"):
            raise UserInputError(f"queue_url: the queue's Redis is not reachable ({exc})") from None
        raise
    return queue


async def enqueue_plan(queue: Queue, run_id: str, settings: Settings) -> None:
    job = Job(
        function=PLAN_FUNCTION,
        kwargs={"run_id": run_id},
        key=run_id,
        timeout=0,  # the run has its own (run_timeout_s)
        heartbeat=max(1, round(settings.run_stale_s)),
        retries=RETRIES,
        ttl=24 * 3600,
    )
    await queue.enqueue(job)


async def progress_of(queue: Queue, run_id: str) -> dict[str, Any] | None:
    """What the worker running the plan last said of it (stage, searches), or None."""
    job = await queue.job(run_id)
    return dict(job.meta) if job is not None and job.meta else None
