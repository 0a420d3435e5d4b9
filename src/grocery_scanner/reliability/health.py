"""Each store's health from what its searches met: success rate, latency, last failure, breaker.

Healthy: at least 95% of calls answered and the slow end (p95) under the store's slow-call time.
Degraded: at least half answered, or answers slow. Unhealthy: fewer, or its breaker open.
Unknown: no call in the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import quantiles
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from grocery_scanner.settings import Settings
    from grocery_scanner.stores.profiles import StoreProfile

HEALTHY_SUCCESS = 0.95
DEGRADED_SUCCESS = 0.5


@dataclass(frozen=True)
class Outcome:
    ok: bool
    latency_s: float
    failure_class: str | None = None


@dataclass(frozen=True)
class StoreHealth:
    store_id: str
    calls: int
    success_rate: float | None
    p50_ms: float | None
    p95_ms: float | None
    last_error: str | None
    breaker: str
    rate_per_s: float
    status: str


def percentile(values: list[float], share: float) -> float:
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def assess(store_id: str, outcomes: list[Outcome], breaker: str, rate_per_s: float, slow_s: float) -> StoreHealth:
    """Health over `outcomes` (oldest first). A search the breaker stopped is no call to the store."""
    calls = [o for o in outcomes if o.failure_class != "CircuitOpen"]
    last_error = next((o.failure_class for o in reversed(outcomes) if not o.ok), None)
    if not calls:
        status = "unhealthy" if breaker in ("open", "half-open") else "unknown"
        return StoreHealth(store_id, 0, None, None, None, last_error, breaker, rate_per_s, status)
    success = sum(o.ok for o in calls) / len(calls)
    latencies = sorted(o.latency_s for o in calls)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    if breaker in ("open", "half-open") or success < DEGRADED_SUCCESS:
        status = "unhealthy"
    elif success < HEALTHY_SUCCESS or p95 >= slow_s:
        status = "degraded"
    else:
        status = "healthy"
    return StoreHealth(store_id, len(calls), success, p50 * 1000, p95 * 1000, last_error, breaker, rate_per_s, status)


async def stores_health(
    session: AsyncSession, profiles: list[StoreProfile], settings: Settings, window_min: float
) -> list[StoreHealth]:
    """Each store's health from its searches of the last `window_min` minutes and its breaker as the
    last run left it."""
    from grocery_scanner.models import utcnow
    from grocery_scanner.storage import repository

    now = utcnow()
    outcomes = await repository.search_outcomes(session, now - timedelta(minutes=window_min))
    breakers = {b.store_id: b for b in await repository.breaker_states(session)}
    breaker_on = "breaker" in settings.fetch_layers
    report = []
    for p in profiles:
        snapshot = breakers.get(p.id)
        breaker = "off" if not breaker_on else snapshot.state_at(now) if snapshot else "closed"
        slow = p.breaker.slow_after(p.limits.timeout_s or settings.http_timeout_s)
        report.append(assess(p.id, outcomes.get(p.id, []), breaker, p.limits.rate_per_s, slow))
    return report
