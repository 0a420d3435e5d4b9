"""data_quality: prices falsified at one store (tenfold, a misplaced decimal point, on a share of its
products) after the plans have built a price history; the quality gate must detect them, and remedy or
quarantine them before a plan buys one.

Which offers were falsified is known from the simulator itself: the products its anomaly draw changed.
Maple Market is the store falsified: its API's product codes carry the simulator's product numbers, so
each offer is traced to the product behind it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from grocery_scanner.cache.admin import clear_cache
from grocery_scanner.prodtest.context import Context
from grocery_scanner.prodtest.harness import Harness, harness
from grocery_scanner.prodtest.plans import PlanLoad, PlanOutcome, load_checks, load_figures
from grocery_scanner.prodtest.results import Measured, at_least, at_most
from grocery_scanner.prodtest.workload import recipes
from grocery_scanner.quality.anomalies import MIN_HISTORY
from grocery_scanner.quality.findings import Action
from grocery_scanner.simulator.formats import sku as catalog_sku
from grocery_scanner.storage.tables import OfferRow, ProductRow, QualityEventRow

STORE = "maple-market"
ANOMALY_RATE = 0.1  # of the store's products
QUALITY_PLANS = 20  # at scale 1
LEAST_PLANS = 4
RECALL_MIN = 0.9  # falsified offers the gate said something of
HANDLED = (Action.REMEDIED.value, Action.QUARANTINED.value)
FALSE_ALARM_MAX = 0.05  # the store's genuine offers the gate found fault with
SEED = 7


async def data_quality(ctx: Context) -> Measured:
    texts = recipes(ctx.scaled(QUALITY_PLANS, LEAST_PLANS), SEED)
    workers = ctx.settings.service.max_concurrent_plans
    async with harness(ctx.settings, ctx.parser) as h:
        load = PlanLoad(h, ctx.progress)
        for round_ in range(MIN_HISTORY):  # each round asks the stores again: one more price of each product
            await clear_cache(h.services)
            await load.queued(texts, workers, f"price history, round {round_ + 1} of {MIN_HISTORY}")
        before = await h.health()
        await clear_cache(h.services)
        h.set_faults(STORE, anomaly_rate=ANOMALY_RATE)
        outcomes = await load.queued(texts, workers, f"{ANOMALY_RATE:.0%} of {STORE}'s prices falsified")
        figures = {
            **load_figures(outcomes),
            **await _detection(h, outcomes),
            "health_before": before,
            "health_after": await h.health(),
        }
    checks = [
        *load_checks(figures, ctx.settings.sla),
        at_least("falsified_seen", figures["falsified_seen"], 1, "the plans met falsified prices"),
        at_least("recall", figures["recall"], RECALL_MIN, "RECALL_MIN"),
        at_most("false_alarm_rate", figures["false_alarm_rate"], FALSE_ALARM_MAX, "FALSE_ALARM_MAX"),
        at_most("bought_at_falsified_price", figures["bought_at_falsified_price"], 0, "remedied or quarantined"),
    ]
    notes = [f"{len(texts)} lists planned {MIN_HISTORY} times clean, then once with {STORE}'s prices falsified"]
    return Measured(figures, checks, notes)


def _falsified(h: Harness) -> set[str]:
    """The product numbers whose prices the simulator falsifies now."""
    store = h.simulator.stores[STORE]
    served = store.with_anomalies(list(store.catalog))
    return {catalog_sku(clean) for clean, sold in zip(store.catalog, served, strict=True) if sold.price != clean.price}


def _number(sku: str) -> str:
    return sku.partition("_")[0]  # "12345678_EA": the product number and how it is sold


async def _detection(h: Harness, outcomes: list[PlanOutcome]) -> dict[str, Any]:
    runs = [o.result.run_id for o in outcomes if o.result is not None]
    falsified = _falsified(h)
    async with h.db.session() as session:
        seen_rows = await session.scalars(
            select(ProductRow.sku).join(OfferRow).where(OfferRow.run_id.in_(runs), ProductRow.store_id == STORE)
        )
        seen = set(seen_rows.all())
        found = await session.execute(
            select(QualityEventRow.sku, QualityEventRow.action).where(
                QualityEventRow.run_id.in_(runs), QualityEventRow.store_id == STORE
            )
        )
        findings = found.all()
    injected = {sku for sku in seen if _number(sku) in falsified}
    detected = {sku for sku, _ in findings}
    handled = {sku for sku, action in findings if action in HANDLED}
    genuine = seen - injected
    bought = [line for o in outcomes if o.result is not None for line in o.result.plan.lines if line.store_id == STORE]
    return {
        "offers_seen": len(seen),
        "falsified_seen": len(injected),
        "detected": len(injected & detected),
        "remedied_or_quarantined": len(injected & handled),
        "recall": round(len(injected & detected) / len(injected), 3) if injected else None,
        "false_alarms": len(genuine & detected),
        "false_alarm_rate": round(len(genuine & detected) / len(genuine), 4) if genuine else None,
        "bought_at_falsified_price": sum(_number(line.sku) in falsified and line.sku not in handled for line in bought),
    }
