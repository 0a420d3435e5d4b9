"""The operations dashboard's figures, all measured now or read from what was recorded: the health score
and its components, each store's health and breaker (this process's live breakers over the recorded
ones), cache hit rates (this process's lookups), SLA compliance, the alerts firing, the dead-letter
queue, the plans under way, and the A/B comparison of optimizer strategies."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from grocery_scanner.api.state import ServiceState
from grocery_scanner.cache.admin import cache_sizes
from grocery_scanner.models import utcnow
from grocery_scanner.monitoring.alerts import firing
from grocery_scanner.monitoring.health_score import assess_health
from grocery_scanner.monitoring.metrics import Metrics
from grocery_scanner.monitoring.sla import track
from grocery_scanner.reliability.breaker import BreakerLayer
from grocery_scanner.reliability.health import stores_health
from grocery_scanner.storage import recovery_records
from grocery_scanner.storage.tables import RunRow
from grocery_scanner.stores.profiles import load_store_set

SHOWN_LETTERS = 10
AB_RUNS = 500  # the latest plan runs the strategy comparison is read from


async def figures(state: ServiceState, window_min: float = 60) -> dict[str, Any]:
    settings, db = state.settings, state.db
    report = await assess_health(settings, db, window_min)
    profiles = load_store_set(settings.store_set).stores
    async with db.session() as session:
        health = await stores_health(session, profiles, settings, window_min)
        letters = await recovery_records.dead_letters(session)
        runs = (
            await session.scalars(
                select(RunRow).where(RunRow.kind == "plan").order_by(RunRow.started_at.desc()).limit(AB_RUNS)
            )
        ).all()
    live = state.services.live_layer("breaker")
    now = utcnow()
    breakers = {s.store_id: s.state_at(now) for s in live.snapshots(now)} if isinstance(live, BreakerLayer) else {}
    return {
        "measured_at": now.isoformat(),
        "health": report.as_dict(),
        "stores": [
            {**h.__dict__, "name": p.name, "breaker": breakers.get(p.id, h.breaker)}
            for p, h in zip(profiles, health, strict=True)
        ],
        "cache": {**cache_rates(state.services.metrics), "sizes": await cache_sizes(state.services)},
        "sla": [f.as_dict() for f in await track(db, settings.sla)],
        "alerts": [
            {"key": a.key, "severity": a.severity, "summary": a.summary, "since": a.first_fired.isoformat()}
            for a in await firing(db)
        ],
        "dead_letters": {
            "open": len(letters),
            "latest": [
                {"id": d.id, "store": d.store_id, "query": d.query, "error": d.reason, "attempts": d.attempts}
                for d in letters[:SHOWN_LETTERS]
            ],
        },
        "plans": {"active": await state.jobs.active(), "recent": _outcomes(runs)},
        "strategies": strategy_comparison([r.stats or {} for r in runs]),
        "warming": state.warming,
        "recovery": state.recovery,
    }


def cache_rates(metrics: Metrics) -> dict[str, Any]:
    """This process's cache lookups: the share answered by each tier, and by any."""
    counts: dict[tuple[str, str], float] = {}
    for family in metrics.cache_lookups.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                counts[(sample.labels["tier"], sample.labels["result"])] = sample.value
    hits = {tier: value for (tier, result), value in counts.items() if result == "hit"}
    lookups = counts.get(("all", "miss"), 0.0) + sum(hits.values())
    return {
        "lookups": int(lookups),
        "hit_rate": round(sum(hits.values()) / lookups, 4) if lookups else None,
        "by_tier": {tier: round(value / lookups, 4) for tier, value in hits.items()} if lookups else {},
    }


def _outcomes(runs: Any) -> dict[str, int]:
    counted: dict[str, int] = defaultdict(int)
    for run in runs:
        counted[run.status] += 1
    return dict(counted)


def strategy_comparison(stats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The A/B share: for each pair of strategies, how many plans were compared, the mean saving of the
    other strategy's total (positive: it would have been cheaper) and the mean difference in stores."""
    pairs: dict[tuple[str, str], list[tuple[Decimal, int]]] = defaultdict(list)
    for s in stats:
        c = s.get("comparison")
        if c:
            saving = Decimal(c["total"]) - Decimal(c["other_total"])
            pairs[(c["strategy"], c["other_strategy"])].append((saving, c["other_stores"] - c["stores"]))
    return [
        {
            "strategy": a,
            "other_strategy": b,
            "plans": len(rows),
            "mean_saving": str(round(sum(r[0] for r in rows) / len(rows), 2)),
            "mean_extra_stores": round(sum(r[1] for r in rows) / len(rows), 2),
            "other_cheaper_share": round(sum(1 for r in rows if r[0] > 0) / len(rows), 3),
        }
        for (a, b), rows in sorted(pairs.items())
    ]
