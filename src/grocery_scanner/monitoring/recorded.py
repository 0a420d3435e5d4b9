"""The metrics as the database recorded them: what a CLI process, which lives for one run, reports.

Searches of the window replay into the request counters and latency histogram (a cached page is a cache
hit, an answered one a miss), finished runs into the workflow figures; the gauges take the queue sizes,
the latest plan's quality scores and each breaker as the last run left it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grocery_scanner.models import utcnow
from grocery_scanner.monitoring.metrics import BREAKER_STATES, Metrics
from grocery_scanner.settings import Settings
from grocery_scanner.storage import quality_records, recovery_records, repository
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.repository import as_utc
from grocery_scanner.storage.tables import RunRow, SearchItemRow


async def recorded_metrics(settings: Settings, db: Database, window_min: float) -> Metrics:
    metrics = Metrics(process=False)  # this short-lived process's own memory and CPU would mislead
    now = utcnow()
    since = now - timedelta(minutes=window_min)
    async with db.session() as session:
        items = await session.scalars(select(SearchItemRow).where(SearchItemRow.finished_at >= since))
        for item in items.all():
            if item.status == "cached":
                metrics.cache_lookups.labels("any", "hit").inc()
                continue
            if item.status not in ("done", "failed", "dead"):
                continue
            outcome = "ok" if item.status == "done" else item.failure_class or "unknown"
            metrics.requests.labels(item.store_id, outcome).inc()
            if item.status == "done":
                metrics.cache_lookups.labels("all", "miss").inc()
            if item.latency_ms is not None:
                metrics.request_seconds.labels(item.store_id).observe(item.latency_ms / 1000)
        runs = await session.scalars(select(RunRow).where(RunRow.finished_at >= since))
        for run in runs.all():
            assert run.finished_at is not None
            seconds = (as_utc(run.finished_at) - as_utc(run.started_at)).total_seconds()
            metrics.workflows.labels(run.kind, run.status).inc()
            metrics.workflow_seconds.labels(run.kind, run.status).observe(max(seconds, 0.0))
        metrics.dead_letters.set(await recovery_records.open_letters(session))
        metrics.quarantined.set(await quality_records.held_count(session))
        summary = await quality_records.summary(session)
        breakers = await repository.breaker_states(session)
    for store_id, scores in summary.scores.items():
        metrics.quality_score.labels(store_id).set(scores["score"])
    states = [("breaker", b.store_id, BREAKER_STATES[b.state_at(now)]) for b in breakers]
    metrics.watch(lambda: states)
    return metrics
