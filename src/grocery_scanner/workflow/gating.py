"""The quality stage: a run's offers through the quality gate before matching sees them.

An offer nothing can vouch for (no history of its own, too few of its class in the batch or seen lately)
is checked against other stores: a plan limited to some stores of its set, on a fresh install, asks two
stores it left out for the same searches, so that a tenfold price with no sibling on its shelf still has
something to be compared with. Those answers are recorded like any other, so the next plan has them."""

from __future__ import annotations

from dataclasses import replace

from grocery_scanner.models import Offer
from grocery_scanner.quality.anomalies import ClassKey, class_key
from grocery_scanner.quality.gate import GateReport, QualityGate
from grocery_scanner.quality.staleness import copied_prices, stated_age
from grocery_scanner.services import Services
from grocery_scanner.storage import quality_records
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.client import StoreResult
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.workflow.recording import SearchRecorder, register_searches
from grocery_scanner.workflow.stages import search_offers

REFERENCE_STORES = 2  # a price is judged by two or more others, never one against one


async def gate_results(
    results: dict[str, list[StoreResult]],
    db: Database,
    run_id: str,
    services: Services,
    store_set: str,
    store_names: dict[str, str],
) -> tuple[dict[str, list[StoreResult]], GateReport]:
    """The results with quarantined offers taken out and remedied ones corrected; the gate's report,
    recorded (findings as events, this run's quarantined observations held)."""
    settings = services.settings
    found = [o for per_query in results.values() for r in per_query for o in r.offers]
    offers = list({(o.product.store_id, o.product.sku): o for o in found}.values())
    gate = QualityGate(settings.currency)
    stores = {o.product.store_id for o in offers}
    async with db.session() as session:
        history = await quality_records.price_histories(session, _keys(offers), exclude_run=run_id)
        reference = await quality_records.reference_prices(session, (o.product.name for o in offers), run_id)
        stale = await quality_records.unchanged_stores(session, stores, settings.stale_after_days)
    stale |= stated_age(offers, settings.stale_after_days, gate.now_or_utc())
    stale |= copied_prices(offers, store_names)
    report = gate.run(offers, history, reference, stale)
    if report.unverified:
        unvouched = [o for o in offers if (o.product.store_id, o.product.sku) in report.unverified]
        searched = {r.store_id for per_query in results.values() for r in per_query}  # failed ones too
        extra, asked = await _elsewhere(unvouched, searched, services, db, run_id, store_set)
        if extra:
            reference = {key: [*reference.get(key, ()), *extra.get(key, ())] for key in reference.keys() | extra.keys()}
            report = gate.run(offers, history, reference, stale)
        report.asked_elsewhere = asked
    async with db.session() as session:
        await quality_records.record_gate(session, run_id, report)
        report.held = await quality_records.held_count(session)
    gated = {
        query: [replace(r, offers=_kept(r.offers, report)) for r in per_query] for query, per_query in results.items()
    }
    return gated, report


async def _elsewhere(
    unvouched: list[Offer], asked: set[str], services: Services, db: Database, run_id: str, store_set: str
) -> tuple[dict[ClassKey, list[float]], dict[str, int]]:
    """Unit prices by class, and the requests sent, at up to two stores of the set that the run did not
    ask, for the searches that found the unvouched offers; none when the run asked every store."""
    others = [p for p in load_store_set(store_set).select(None) if p.id not in asked]
    queries = sorted({o.search_query for o in unvouched if o.search_query})
    if not others or not queries:
        return {}, {}
    recorder = SearchRecorder(db, run_id)
    async with services.stores(store_set, [p.id for p in others[:REFERENCE_STORES]]) as session:
        await register_searches(db, run_id, session.profiles, queries)
        found = await search_offers(session.client, session.profiles, queries, None, recorder)
        await recorder.flush()
        requests = session.client.requests_per_store()
    prices: dict[ClassKey, list[float]] = {}
    for offer in (o for per_query in found.values() for r in per_query for o in r.offers):
        if offer.unit_price is not None and (key := class_key(offer.product.name, offer.product.brand, offer.unit)):
            prices.setdefault(key, []).append(float(offer.unit_price))
    return prices, requests


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
