"""Reads and writes for the quality gate: the history and reference prices it judges by, what it
found and did, the quarantine's life cycle and the staleness watch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from grocery_scanner.errors import UserInputError
from grocery_scanner.models import utcnow
from grocery_scanner.quality.anomalies import ClassKey, class_key
from grocery_scanner.quality.findings import Action
from grocery_scanner.quality.gate import GateReport, ProductKey
from grocery_scanner.storage.repository import HELD, as_utc, cents
from grocery_scanner.storage.tables import OfferRow, ProductRow, QualityEventRow, RunRow

HISTORY_DAYS = 90
HISTORY_PER_PRODUCT = 30
REFERENCE_DAYS = 14


async def price_histories(
    session: AsyncSession, keys: Iterable[ProductKey], exclude_run: str | None = None
) -> dict[ProductKey, list[float]]:
    """Each product's recent regular prices (the price where no regular one was given), newest first,
    quarantined ones left out."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    since = utcnow() - timedelta(days=HISTORY_DAYS)
    history: dict[ProductKey, list[float]] = {}
    for start in range(0, len(wanted), 500):  # bounded IN lists
        statement = (
            select(ProductRow.store_id, ProductRow.sku, OfferRow.regular_price_cents, OfferRow.price_cents)
            .join(OfferRow, OfferRow.product_id == ProductRow.id)
            .where(tuple_(ProductRow.store_id, ProductRow.sku).in_(wanted[start : start + 500]))
            .where(OfferRow.observed_at >= since, OfferRow.quality != HELD, OfferRow.price_cents.is_not(None))
            .where(OfferRow.run_id.is_distinct_from(exclude_run))
            .order_by(OfferRow.observed_at.desc())
        )
        for store_id, sku, regular, price in (await session.execute(statement)).all():
            past = history.setdefault((store_id, sku), [])
            if len(past) < HISTORY_PER_PRODUCT:
                past.append((regular or price or 0) / 100)
    return history


async def reference_prices(
    session: AsyncSession, names: Iterable[str], exclude_run: str | None = None
) -> dict[ClassKey, list[float]]:
    """Unit prices seen lately for products of these names at any store, outside the current run: the
    other stores a plan limited to one store did not ask today. One (the newest) per product."""
    wanted = list(set(names))
    if not wanted:
        return {}
    since = utcnow() - timedelta(days=REFERENCE_DAYS)
    newest: dict[int, tuple[str, str | None, str | None, float]] = {}
    for start in range(0, len(wanted), 500):
        statement = (
            select(ProductRow.id, ProductRow.name, ProductRow.brand, OfferRow.unit, OfferRow.unit_price_cents)
            .join(OfferRow, OfferRow.product_id == ProductRow.id)
            .where(ProductRow.name.in_(wanted[start : start + 500]), OfferRow.observed_at >= since)
            .where(OfferRow.quality != HELD, OfferRow.unit_price_cents.is_not(None))
            .where(OfferRow.run_id.is_distinct_from(exclude_run))
            .order_by(OfferRow.observed_at)
        )
        for product_id, name, brand, unit, unit_cents in (await session.execute(statement)).all():
            newest[product_id] = (name, brand, unit, (unit_cents or 0) / 100)
    reference: dict[ClassKey, list[float]] = {}
    for name, brand, unit, value in newest.values():
        if (key := class_key(name, brand, unit)) is not None:
            reference.setdefault(key, []).append(value)
    return reference


async def record_gate(session: AsyncSession, run_id: str | None, report: GateReport) -> None:
    """The gate's findings as events; this run's observations of quarantined offers held, of remedied
    ones corrected (the history keeps the corrected price, the event the one read)."""
    if run_id is not None:  # a resumed run judges its offers again: its earlier findings give way
        await session.execute(delete(QualityEventRow).where(QualityEventRow.run_id == run_id))
    judged = {key: v for key, v in report.verdicts.items() if v.findings}
    if not judged:
        return
    rows: dict[ProductKey, int] = {}
    if run_id is not None:
        statement = (
            select(ProductRow.store_id, ProductRow.sku, OfferRow.id)
            .join(OfferRow, OfferRow.product_id == ProductRow.id)
            .where(OfferRow.run_id == run_id)
        )
        rows = {(s, k): i for s, k, i in (await session.execute(statement)).all() if (s, k) in judged}
    now = utcnow()
    events = []
    for key, verdict in judged.items():
        offer_id = rows.get(key)
        if offer_id is not None and verdict.quarantined:
            await session.execute(update(OfferRow).where(OfferRow.id == offer_id).values(quality=HELD))
        elif offer_id is not None and verdict.remedied:
            o = verdict.offer
            corrected = dict(
                price_cents=cents(o.price),
                regular_price_cents=cents(o.regular_price),
                member_price_cents=cents(o.member_price),
                unit_price_cents=cents(o.unit_price),
            )
            await session.execute(
                update(OfferRow).where(OfferRow.id == offer_id).values(quality="remedied", **corrected)
            )
        for finding in verdict.findings:
            held = finding.action is Action.QUARANTINED
            events.append(
                QualityEventRow(
                    run_id=run_id,
                    offer_id=offer_id,
                    store_id=key[0],
                    sku=key[1],
                    product=verdict.offer.product.name,
                    price_cents=cents(verdict.offer.price) if _finite_money(verdict.offer.price) else None,
                    kind=finding.kind.value,
                    action=finding.action.value,
                    detail=finding.detail,
                    before=finding.before,
                    after=finding.after,
                    status=HELD if held else None,
                    created_at=now,
                )
            )
    session.add_all(events)


def _finite_money(value: Any) -> bool:
    try:
        return value is not None and value.is_finite() and abs(value) < 10**9
    except AttributeError:
        return False


async def quarantine(session: AsyncSession, store_id: str | None = None) -> list[QualityEventRow]:
    """Offers the gate holds, newest first."""
    statement = select(QualityEventRow).where(QualityEventRow.action == Action.QUARANTINED.value)
    statement = statement.where(QualityEventRow.status == HELD)
    if store_id:
        statement = statement.where(QualityEventRow.store_id == store_id)
    return list((await session.scalars(statement.order_by(QualityEventRow.id.desc()))).all())


async def held_count(session: AsyncSession) -> int:
    """Offers the quarantine holds now."""
    statement = select(func.count(func.distinct(QualityEventRow.offer_id))).where(
        QualityEventRow.action == Action.QUARANTINED.value, QualityEventRow.status == HELD
    )
    return int(await session.scalar(statement) or 0)


async def resolve(session: AsyncSession, event_id: int, release: bool) -> QualityEventRow:
    """Release a held offer (its price counts again) or drop it (its observation is deleted)."""
    event = await session.get(QualityEventRow, event_id)
    if event is None or event.action != Action.QUARANTINED.value:
        raise UserInputError(f"no quarantined offer with id {event_id}; see `grocery-scanner quality quarantine`")
    if event.status != HELD:
        raise UserInputError(f"quarantined offer {event_id} was already {event.status}")
    status = "released" if release else "dropped"
    now = utcnow()
    # one offer may be held for several reasons: all of them are resolved at once
    same = QualityEventRow.offer_id == event.offer_id if event.offer_id is not None else QualityEventRow.id == event.id
    await session.execute(
        update(QualityEventRow).where(same, QualityEventRow.status == HELD).values(status=status, resolved_at=now)
    )
    if event.offer_id is not None:
        if release:
            await session.execute(update(OfferRow).where(OfferRow.id == event.offer_id).values(quality="ok"))
        else:
            await session.execute(delete(OfferRow).where(OfferRow.id == event.offer_id))
    await session.refresh(event)
    return event


@dataclass
class QualitySummary:
    counts: list[tuple[str, str, str, int]]  # store, kind, action, events
    remedies: list[QualityEventRow]
    held: int
    scores: dict[str, dict[str, Any]]  # the latest plan's scores per store
    scored_at: datetime | None


async def summary(session: AsyncSession, store_id: str | None = None, days: int = 30) -> QualitySummary:
    since = utcnow() - timedelta(days=days)
    where = [QualityEventRow.created_at >= since]
    if store_id:
        where.append(QualityEventRow.store_id == store_id)
    count = func.count(QualityEventRow.id)
    statement = (
        select(QualityEventRow.store_id, QualityEventRow.kind, QualityEventRow.action, count)
        .where(*where)
        .group_by(QualityEventRow.store_id, QualityEventRow.kind, QualityEventRow.action)
        .order_by(QualityEventRow.store_id, count.desc())
    )
    counts = [(s, k, a, n) for s, k, a, n in (await session.execute(statement)).all()]
    remedies = (
        await session.scalars(
            select(QualityEventRow)
            .where(*where, QualityEventRow.action == Action.REMEDIED.value)
            .order_by(QualityEventRow.id.desc())
            .limit(20)
        )
    ).all()
    held = len(await quarantine(session, store_id))
    runs = await session.scalars(
        select(RunRow)
        .where(RunRow.kind == "plan", RunRow.status == "succeeded")
        .order_by(RunRow.started_at.desc())
        .limit(1)
    )
    scores: dict[str, dict[str, Any]] = {}
    scored_at = None
    for run in runs.all():
        scores = ((run.stats or {}).get("quality") or {}).get("stores", {})
        scored_at = as_utc(run.started_at)
    if store_id:
        scores = {k: v for k, v in scores.items() if k == store_id}
    return QualitySummary(counts, list(remedies), held, scores, scored_at)


MIN_WATCHED = 10  # products seen far enough apart before a store's unchanged prices mean anything


async def unchanged_stores(session: AsyncSession, store_ids: Iterable[str], days: int) -> dict[str, str]:
    """Stores none of whose prices changed over `days` or more, among products seen that far apart."""
    since = utcnow() - timedelta(days=2 * days)
    statement = (
        select(
            ProductRow.store_id,
            func.min(OfferRow.observed_at),
            func.max(OfferRow.observed_at),
            func.count(func.distinct(OfferRow.price_cents)),
        )
        .join(OfferRow, OfferRow.product_id == ProductRow.id)
        .where(ProductRow.store_id.in_(list(store_ids)), OfferRow.observed_at >= since, OfferRow.quality != HELD)
        .where(OfferRow.price_cents.is_not(None))
        .group_by(ProductRow.id, ProductRow.store_id)
    )
    watched: dict[str, list[int]] = {}
    for store_id, first, last, distinct in (await session.execute(statement)).all():
        if as_utc(last) - as_utc(first) >= timedelta(days=days):
            watched.setdefault(store_id, []).append(distinct)
    return {
        store: f"none of its prices changed in {days} days ({len(counts)} products watched)"
        for store, counts in watched.items()
        if len(counts) >= MIN_WATCHED and max(counts) == 1
    }
