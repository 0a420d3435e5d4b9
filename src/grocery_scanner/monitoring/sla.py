"""SLA tracking: each target measured over a sliding window from what the runs recorded, with its
compliance and its trend (a least-squares line through hourly figures, with its standard error) and,
where the trend heads for the threshold, when it would cross it. No projection from fewer than
MIN_POINTS hourly figures, and none where the line's slope is not clearly away from zero."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any

from sqlalchemy import select

from grocery_scanner.models import utcnow
from grocery_scanner.monitoring.config import SlaTargets
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.repository import as_utc
from grocery_scanner.storage.tables import RunRow, SearchItemRow

MIN_POINTS = 5
BATCH_RECIPES = 10  # a plan of this many recipes or more is a batch


@dataclass
class Trend:
    slope_per_h: float
    stderr_per_h: float
    points: int
    breach_at: datetime | None = None  # when the line crosses the target, where it heads that way
    breach_range: tuple[datetime, datetime] | None = None  # the same with the slope one standard error off


@dataclass
class SlaFigure:
    name: str
    target: float
    higher_is_better: bool
    value: float | None  # None: nothing measured in the window
    samples: int
    trend: Trend | None

    @property
    def compliant(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def as_dict(self) -> dict[str, Any]:
        trend = None
        if self.trend is not None:
            t = self.trend
            trend = {
                "slope_per_h": t.slope_per_h,
                "stderr_per_h": t.stderr_per_h,
                "points": t.points,
                "breach_at": t.breach_at.isoformat() if t.breach_at else None,
                "breach_range": [x.isoformat() for x in t.breach_range] if t.breach_range else None,
            }
        return {
            "name": self.name, "target": self.target, "higher_is_better": self.higher_is_better,
            "value": self.value, "samples": self.samples, "compliant": self.compliant, "trend": trend,
        }  # fmt: skip


Series = list[tuple[datetime, float]]  # (when, figure)


async def track(db: Database, targets: SlaTargets) -> list[SlaFigure]:
    now = utcnow()
    since = now - timedelta(hours=targets.window_h)
    async with db.session() as session:
        runs = (await session.scalars(select(RunRow).where(RunRow.kind == "plan", RunRow.started_at >= since))).all()
        pages = (
            await session.execute(
                select(SearchItemRow.finished_at, SearchItemRow.status).where(SearchItemRow.finished_at >= since)
            )
        ).all()
    finished = [r for r in runs if r.finished_at is not None and r.status != "running"]
    succeeded = [r for r in finished if r.status == "succeeded" and r.finished_at is not None]
    durations = [(as_utc(r.finished_at), (as_utc(r.finished_at) - as_utc(r.started_at)).total_seconds())
                 for r in succeeded if r.finished_at is not None]  # fmt: skip
    batches = [(when, seconds) for (when, seconds), r in zip(durations, succeeded, strict=True)
               if (r.stats or {}).get("recipes", 0) >= BATCH_RECIPES]  # fmt: skip
    recoveries = [(as_utc(r.finished_at), float(r.stats["recovery_s"])) for r in finished
                  if r.finished_at and r.stats and "recovery_s" in r.stats]  # fmt: skip
    outcomes = [(as_utc(r.finished_at), 1.0 if r.status == "succeeded" else 0.0) for r in finished if r.finished_at]
    memory = [(as_utc(r.finished_at), float(r.stats["peak_rss_mb"])) for r in finished
              if r.finished_at and r.stats and "peak_rss_mb" in r.stats]  # fmt: skip
    quality = [(as_utc(r.finished_at), float(r.stats["quality"]["batch"]["score"])) for r in finished
               if r.finished_at and r.stats and "batch" in (r.stats.get("quality") or {})]  # fmt: skip
    hits = [(as_utc(f), 1.0 if s == "cached" else 0.0) for f, s in pages if f is not None and s in ("cached", "done")]
    figures = [
        _figure("plan_p95_s", targets.plan_p95_s, False, durations, _p95, now),
        _figure("batch_p95_s", targets.batch_p95_s, False, batches, _p95, now),
        _figure("recovery_p95_s", targets.recovery_p95_s, False, recoveries, _p95, now),
        _figure("success_rate", targets.success_rate, True, outcomes, _mean, now),
        _figure("peak_memory_mb", targets.peak_memory_mb, False, memory, max, now),
        _figure("quality_score", targets.quality_score, True, quality, _mean, now),
    ]
    if targets.cache_hit_rate is not None:
        figures.append(_figure("cache_hit_rate", targets.cache_hit_rate, True, hits, _mean, now))
    return figures


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _p95(values: list[float]) -> float:
    return values[0] if len(values) == 1 else quantiles(values, n=100, method="inclusive")[94]


def _figure(
    name: str, target: float, higher: bool, series: Series, reduce: Callable[[list[float]], float], now: datetime
) -> SlaFigure:
    if not series:
        return SlaFigure(name, target, higher, None, 0, None)
    value = round(reduce([v for _, v in series]), 4)
    hourly: dict[int, list[float]] = {}
    for when, figure in series:
        hourly.setdefault(int((now - when).total_seconds() // 3600), []).append(figure)
    points = sorted((-age, reduce(values)) for age, values in hourly.items())  # hours relative to now
    return SlaFigure(name, target, higher, value, len(series), _trend(points, target, higher, now))


def _trend(points: list[tuple[int, float]], target: float, higher: bool, now: datetime) -> Trend | None:
    """Least squares through (hour, figure); a projected breach only where the slope heads for the
    target and is at least twice its standard error."""
    n = len(points)
    if n < MIN_POINTS:
        return None
    xs, ys = [float(x) for x, _ in points], [y for _, y in points]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx  # the figure now (hour 0)
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    stderr = math.sqrt(residual / (n - 2) / sxx) if n > 2 else math.inf
    trend = Trend(round(slope, 6), round(stderr, 6), n)
    worsening = slope < 0 if higher else slope > 0
    still_fine = intercept >= target if higher else intercept <= target
    if worsening and still_fine and abs(slope) >= 2 * stderr:
        hours = (target - intercept) / slope
        trend.breach_at = now + timedelta(hours=hours)
        low, high = abs(slope) - stderr, abs(slope) + stderr
        span = abs(target - intercept)
        trend.breach_range = (now + timedelta(hours=span / high), now + timedelta(hours=span / low))
    return trend
