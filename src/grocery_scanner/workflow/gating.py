"""The quality stage: a run's offers through the quality gate before matching sees them."""

from __future__ import annotations

from dataclasses import replace

from grocery_scanner.models import Offer
from grocery_scanner.quality.gate import GateReport, QualityGate
from grocery_scanner.quality.staleness import copied_prices, stated_age
from grocery_scanner.settings import Settings
from grocery_scanner.storage import quality_records
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreResult


async def gate_results(
    results: dict[str, list[StoreResult]],
    db: Database,
    run_id: str,
    settings: Settings,
    store_names: dict[str, str],
) -> tuple[dict[str, list[StoreResult]], GateReport]:
    """The results with quarantined offers taken out and remedied ones corrected; the gate's report,
    recorded (findings as events, this run's quarantined observations held)."""
    offers = list(
        {(o.product.store_id, o.product.sku): o for rs in results.values() for r in rs for o in r.offers}.values()
    )
    gate = QualityGate(settings.currency)
    stores = {o.product.store_id for o in offers}
    async with db.session() as session:
        history = await quality_records.price_histories(session, _keys(offers), exclude_run=run_id)
        reference = await quality_records.reference_prices(session, (o.product.name for o in offers), run_id)
        stale = await quality_records.unchanged_stores(session, stores, settings.stale_after_days)
    stale |= stated_age(offers, settings.stale_after_days, gate.now_or_utc())
    stale |= copied_prices(offers, store_names)
    report = gate.run(offers, history, reference, stale)
    async with db.session() as session:
        await quality_records.record_gate(session, run_id, report)
    gated = {
        query: [replace(r, offers=_kept(r.offers, report)) for r in per_query] for query, per_query in results.items()
    }
    return gated, report


def _keys(offers: list[Offer]) -> list[tuple[str, str]]:
    return [(o.product.store_id, o.product.sku) for o in offers]


def _kept(offers: list[Offer], report: GateReport) -> list[Offer]:
    kept = []
    for offer in offers:
        verdict = report.verdicts.get((offer.product.store_id, offer.product.sku))
        if verdict is None:
            kept.append(offer)
        elif not verdict.quarantined:
            kept.append(verdict.offer)
    return kept
