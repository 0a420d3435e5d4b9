"""What the service does by itself: at start-up, take back the plans an earlier service process left
(resumed from their checkpoints, or started when they never began); then, on a schedule, warm the cache
and check health (which fires and resolves alerts)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from sqlalchemy import select

from grocery_scanner.api.state import ServiceState
from grocery_scanner.errors import GroceryError
from grocery_scanner.models import utcnow
from grocery_scanner.monitoring.alerts import checked_health
from grocery_scanner.storage.repository import as_utc
from grocery_scanner.storage.tables import RunRow
from grocery_scanner.workflow.plan_run import PlanRequest
from grocery_scanner.workflow.warming import warm_cache

log = logging.getLogger(__name__)
HEALTH_INTERVAL_S = 60.0


async def recover(state: ServiceState, started_at: datetime) -> None:
    """Takes back the service's unfinished plans: interrupted ones, queued ones, and running ones whose
    heartbeat stopped before this process started (their process died; a heartbeat newer than our start
    belongs to a live process elsewhere and is left alone). A run whose lease has not run out yet is
    waited for, at most one lease. The service is ready when this is done."""
    settings = state.settings
    deadline = time.monotonic() + settings.run_stale_s + settings.heartbeat_s
    taken: set[str] = set()
    counts = {"resumed": 0, "restarted": 0, "left": 0}
    try:
        while True:
            waiting = 0
            async with state.db.session() as session:
                rows = (
                    await session.scalars(
                        select(RunRow).where(
                            RunRow.kind == "plan", RunRow.status.in_(("queued", "running", "interrupted"))
                        )
                    )
                ).all()
            for run in rows:
                if run.id in taken or run.request.get("origin") != "service":
                    continue
                beat = as_utc(run.heartbeat_at or run.started_at)
                if run.status in ("running", "queued") and beat >= started_at:
                    continue  # another live process's
                if run.status == "running" and not state.jobs.runs_here:
                    continue  # the workers' (the queue hands a dead worker's plan to another)
                if run.status == "running" and (utcnow() - beat).total_seconds() <= settings.run_stale_s:
                    waiting += 1  # its lease has not run out yet
                    continue
                taken.add(run.id)
                if run.status == "queued":
                    state.jobs.start_recorded(run.id, PlanRequest.from_description(run.request))
                    counts["restarted"] += 1
                else:
                    state.jobs.resume(run.id)
                    counts["resumed"] += 1
            if not waiting or time.monotonic() > deadline:
                counts["left"] = waiting
                break
            await asyncio.sleep(1.0)
    finally:
        state.recovery = counts
        state.recovered.set()
    if any(counts.values()):
        log.warning("start-up recovery: %s", counts)


async def warm_periodically(state: ServiceState) -> None:
    """The most searched queries, searched again every `warm_interval_s` at the lowest priority."""
    service = state.settings.service
    while True:
        await asyncio.sleep(service.warm_interval_s)
        if not state.settings.features.scheduled_warming:
            continue
        started = time.perf_counter()
        try:
            warmed = await warm_cache(state.services, state.db, service.warm_top)
            state.warming = {**warmed.as_dict(), "at": utcnow().isoformat(), "seconds": time.perf_counter() - started}
        except GroceryError as exc:
            state.warming = {"at": utcnow().isoformat(), "error": str(exc)}
            log.warning("scheduled cache warming failed: %s", exc)


async def check_health_periodically(state: ServiceState) -> None:
    """The health report every minute: it fires and resolves the alerts (and sends them to their routes)."""
    while True:
        try:
            await checked_health(state.settings, state.db, 60)
        except Exception:  # a database hiccup: the next check will do
            log.exception("the scheduled health check failed")
        await asyncio.sleep(HEALTH_INTERVAL_S)
