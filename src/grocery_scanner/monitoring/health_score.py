"""The health score, 0 to 100, from what the system measured, with its breakdown by component.

Every figure is measured now or read from what was recorded: the stores from their recent searches and
breakers, the database from a timed query, the cache from each tier answering, the backlog from the
dead-letter queue and the quarantine, the resources from the machine. A component with nothing to judge
(no search in the window) says so and counts as sound: a fresh, idle, healthy system is healthy; the
SLA, with no plan run to judge by, is listed as not measured and left out of the score."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import psutil
from sqlalchemy import func, select, text

from grocery_scanner.models import utcnow
from grocery_scanner.reliability.health import stores_health
from grocery_scanner.settings import Settings
from grocery_scanner.storage import quality_records, recovery_records
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.tables import OfferRow
from grocery_scanner.stores.profiles import load_store_set

if TYPE_CHECKING:
    from grocery_scanner.monitoring.alerts import Evaluation

HEALTHY, DEGRADED = 80, 50  # overall score at or above: healthy; at or above: degraded; below: unhealthy
WEIGHTS = {"stores": 0.3, "database": 0.15, "cache": 0.1, "backlog": 0.15, "resources": 0.15, "sla": 0.15}
STORE_SCORES = {"healthy": 100.0, "unknown": 100.0, "degraded": 60.0, "unhealthy": 0.0}
EXIT_CODES = {"healthy": 0, "degraded": 1, "unhealthy": 2}
OVERLOAD = 1.5  # the 1-minute load average per core from which the machine counts as overloaded


@dataclass
class Component:
    name: str
    score: float | None  # None: not measured, left out of the overall score
    detail: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "not measured" if self.score is None else _status(self.score)


@dataclass
class HealthReport:
    score: float
    status: str
    components: list[Component]
    measured_at: datetime
    alerts: Evaluation | None = None  # what the alerts made of it, where they were evaluated

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "status": self.status,
            "measured_at": self.measured_at.isoformat(),
            "components": [{**asdict(c), "status": c.status} for c in self.components],
            "alerts": asdict(self.alerts) if self.alerts is not None else None,
        }


def _status(score: float) -> str:
    return "healthy" if score >= HEALTHY else "degraded" if score >= DEGRADED else "unhealthy"


async def assess_health(settings: Settings, db: Database, window_min: float = 60) -> HealthReport:
    components = [
        await _stores(settings, db, window_min),
        await _database(db),
        await _cache(settings),
        await _backlog(settings, db, window_min),
        _resources(settings),
        await _sla(settings, db),
    ]
    measured = [c for c in components if c.score is not None]
    overall = sum(WEIGHTS[c.name] * c.score for c in measured if c.score is not None)
    overall = round(overall / sum(WEIGHTS[c.name] for c in measured), 1)
    # the system is no better than its worst part: one store down makes it degraded, whatever the mean
    order = ["healthy", "degraded", "unhealthy"]
    status = max([_status(overall), *(c.status for c in measured)], key=order.index)
    return HealthReport(overall, status, components, utcnow())


async def _stores(settings: Settings, db: Database, window_min: float) -> Component:
    profiles = load_store_set(settings.store_set).select(None)
    async with db.session() as session:
        report = await stores_health(session, profiles, settings, window_min)
    score = sum(STORE_SCORES[h.status] for h in report) / len(report) if report else 100.0
    bad = [f"{h.store_id} {h.status}" for h in report if h.status in ("degraded", "unhealthy")]
    calls = sum(h.calls for h in report)
    detail = ", ".join(bad) if bad else f"{len(report)} stores sound ({calls} calls in {window_min:g} min)"
    figures = {h.store_id: {"status": h.status, "calls": h.calls, "success_rate": h.success_rate} for h in report}
    return Component("stores", round(score, 1), detail, figures)


async def _database(db: Database) -> Component:
    started = time.perf_counter()
    try:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to answer is the finding
        return Component("database", 0.0, f"the database does not answer: {type(exc).__name__}")
    ms = (time.perf_counter() - started) * 1000
    score = 100.0 if ms < 100 else 60.0 if ms < 1000 else 20.0
    return Component("database", score, f"answered in {ms:.1f} ms", {"latency_ms": round(ms, 1)})


async def _cache(settings: Settings) -> Component:
    from grocery_scanner.cache.tiers import build_tiers

    answering, failing = [], []
    for tier in build_tiers(settings):
        try:
            await tier.size()
            answering.append(tier.name)
        except Exception as exc:  # a tier that cannot answer is the finding
            failing.append(f"{tier.name} ({type(exc).__name__})")
        finally:
            await tier.aclose()
    total = len(answering) + len(failing)
    score = 100.0 * len(answering) / total if total else 100.0
    detail = f"tiers answering: {', '.join(answering) or 'none'}" + (
        f"; failing: {', '.join(failing)}" if failing else ""
    )
    return Component("cache", round(score, 1), detail, {"answering": answering, "failing": failing})


async def _backlog(settings: Settings, db: Database, window_min: float) -> Component:
    since = utcnow() - timedelta(minutes=window_min)
    async with db.session() as session:
        letters = await recovery_records.open_letters(session)
        held = await quality_records.held_count(session)
        seen = await session.scalar(select(func.count(OfferRow.id)).where(OfferRow.observed_at >= since)) or 0
    threshold = settings.dlq_alert_threshold
    letters_score = 100.0 if letters < threshold / 2 else 60.0 if letters < threshold else 20.0
    held_share = held / seen if seen else 0.0
    held_score = 100.0 if held_share <= 0.2 else 60.0 if held_share <= 0.5 else 20.0
    detail = f"{letters} dead letters (alert at {threshold}); {held} offers in quarantine"
    return Component("backlog", min(letters_score, held_score), detail, {"dead_letters": letters, "quarantined": held})


def _resources(settings: Settings) -> Component:
    memory = psutil.virtual_memory().percent
    folder = settings.data_dir if settings.data_dir.exists() else settings.data_dir.parent
    disk = psutil.disk_usage(str(folder)).percent
    # the last minute's load per core: a busy machine (every core at work) is no trouble, an overloaded one
    # (half as many runnable processes again as cores, for a minute) is; a moment's burst is neither
    load = psutil.getloadavg()[0] / (psutil.cpu_count() or 1)
    scores = [100.0 if memory < 90 else 40.0, 100.0 if disk < 95 else 40.0, 100.0 if load < OVERLOAD else 60.0]
    detail = f"memory {memory:.0f}% used, disk {disk:.0f}% used, CPU load {load:.2f} a core"
    figures = {"memory_pct": memory, "disk_pct": disk, "cpu_load_per_core": round(load, 2)}
    return Component("resources", min(scores), detail, figures)


async def _sla(settings: Settings, db: Database) -> Component:
    from grocery_scanner.monitoring.sla import track

    figures = await track(db, settings.sla)
    judged = [f for f in figures if f.compliant is not None]
    if not judged:
        return Component("sla", None, f"no plan run in the last {settings.sla.window_h:g} h to judge by")
    missed = [f"{f.name} {f.value:g} (target {f.target:g})" for f in judged if not f.compliant]
    score = 100.0 * (len(judged) - len(missed)) / len(judged)
    detail = f"{len(judged) - len(missed)} of {len(judged)} targets met" + (
        f"; missed: {', '.join(missed)}" if missed else ""
    )
    return Component("sla", round(score, 1), detail, {f.name: f.as_dict() for f in figures})
