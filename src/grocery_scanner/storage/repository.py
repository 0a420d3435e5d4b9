"""Reads and writes for the workflow: stores, products, price observations, runs and plans."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from grocery_scanner.models import MultiBuy, Offer, Product, utcnow
from grocery_scanner.models.offer import SoldBy
from grocery_scanner.models.plan import Plan
from grocery_scanner.reliability.breaker import BreakerSnapshot, BreakerState
from grocery_scanner.reliability.health import Outcome
from grocery_scanner.storage.tables import (
    BreakerStateRow,
    CachedAnswerRow,
    OfferRow,
    PlanRow,
    ProductRow,
    RunRow,
    SearchItemRow,
    StoreRow,
)
from grocery_scanner.stores.pricetext import parse_size
from grocery_scanner.stores.profiles import StoreProfile

if TYPE_CHECKING:
    from grocery_scanner.stores.client import StoreResult
from grocery_scanner.text import words

HELD = "held"  # an offer's quality while the gate's quarantine holds it


def cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def dollars(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def upsert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that may meet rows another process inserted meanwhile (SQLite or PostgreSQL)."""
    return _insert_for(session.get_bind().dialect.name)(table)


def _insert_for(dialect: str) -> Any:
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


async def save_stores(session: AsyncSession, profiles: list[StoreProfile]) -> None:
    if not profiles:
        return
    statement = upsert(session, StoreRow).values(
        [dict(id=p.id, name=p.name, connector=p.connector, base_url=p.base_url) for p in profiles]
    )
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[StoreRow.id],
            set_=dict(name=excluded.name, connector=excluded.connector, base_url=excluded.base_url),
        )
    )


async def save_offers(session: AsyncSession, offers: list[Offer], run_id: str | None) -> int:
    """Record every observation; products are created on first sight. Returns rows written."""
    if not offers:
        return 0
    by_store: dict[str, set[str]] = {}
    for offer in offers:
        by_store.setdefault(offer.product.store_id, set()).add(offer.product.sku)
    ids = await _product_ids(session, by_store)
    new_products: dict[tuple[str, str], dict[str, Any]] = {}
    for offer in offers:
        p = offer.product
        if (p.store_id, p.sku) not in ids and (p.store_id, p.sku) not in new_products:
            total = p.size.total if p.size else None
            new_products[(p.store_id, p.sku)] = dict(
                store_id=p.store_id,
                sku=p.sku,
                name=p.name,
                brand=p.brand,
                size_text=p.size_text or (str(p.size) if p.size else None),
                size_amount=total.amount if total else None,
                size_unit=total.unit.value if total else None,
                department=p.department,
            )
    if new_products:
        # another run may create the same products at the same time: its rows are as good as ours
        statement = upsert(session, ProductRow).values(list(new_products.values()))
        await session.execute(statement.on_conflict_do_nothing(index_elements=[ProductRow.store_id, ProductRow.sku]))
        ids = await _product_ids(session, by_store)
    # one executemany of plain rows: the ORM unit of work is ten times slower for thousands of rows
    await session.execute(
        insert(OfferRow),
        [
            dict(
                product_id=ids[(o.product.store_id, o.product.sku)],
                run_id=run_id,
                observed_at=o.observed_at,
                price_cents=cents(o.price),
                regular_price_cents=cents(o.regular_price),
                member_price_cents=cents(o.member_price),
                multi_buy_quantity=o.multi_buy.quantity if o.multi_buy else None,
                multi_buy_total_cents=cents(o.multi_buy.total) if o.multi_buy else None,
                sold_by=o.sold_by.value,
                unit_price_cents=cents(o.unit_price),
                unit=o.unit,
                in_stock=o.in_stock,
                source_format=o.source_format,
                collection_method=o.collection_method,
                confidence=o.confidence,
                fetched_at=o.fetched_at,
                source_modified_at=o.source_modified_at,
                search_query=o.search_query,
                shelf_unit_price_cents=cents(o.shelf_unit_price),
                pack_size=str(o.product.size) if o.product.size else None,
            )
            for o in offers
        ],
    )
    return len(offers)


async def _product_ids(session: AsyncSession, by_store: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    for store_id, skus in by_store.items():
        rows = await session.execute(
            select(ProductRow.id, ProductRow.sku).where(and_(ProductRow.store_id == store_id, ProductRow.sku.in_(skus)))
        )
        ids.update({(store_id, sku): pid for pid, sku in rows})
    return ids


async def add_searches(session: AsyncSession, run_id: str, searches: list[tuple[str, str]]) -> None:
    """The (store, query) searches a run is about to make, pending, first page each."""
    if not searches:
        return
    now = utcnow()
    statement = upsert(session, SearchItemRow).values(
        [
            dict(run_id=run_id, store_id=s, query=q, page=0, status="pending", attempts=0, offers=0, created_at=now)
            for s, q in dict.fromkeys(searches)
        ]
    )
    await session.execute(statement.on_conflict_do_nothing())


async def finish_searches(session: AsyncSession, run_id: str, results: list[StoreResult]) -> None:
    """Each page the searches fetched, done or failed, with its offers count and times."""
    rows = [
        dict(
            run_id=run_id,
            store_id=result.store_id,
            query=result.query,
            page=page.page,
            status="failed" if page.error else "cached" if page.cached else "done",
            attempts=1,
            failure_class=type(page.error).__name__ if page.error else None,
            error=page.error.message if page.error else None,
            offers=page.offers,
            latency_ms=round(page.latency_s * 1000) if page.latency_s is not None else None,
            skus=list(page.skus) if page.error is None else None,
            created_at=page.started_at,
            started_at=page.started_at,
            finished_at=page.finished_at,
        )
        for result in results
        for page in result.pages
    ]
    if rows:  # one statement for every row (executemany), built once
        await session.execute(_finish_statement(session.get_bind().dialect.name), rows)


@cache
def _finish_statement(dialect: str) -> Any:
    statement = _insert_for(dialect)(SearchItemRow)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[SearchItemRow.run_id, SearchItemRow.store_id, SearchItemRow.query, SearchItemRow.page],
        set_=dict(
            status=excluded.status,
            attempts=SearchItemRow.attempts + 1,
            failure_class=excluded.failure_class,
            error=excluded.error,
            offers=excluded.offers,
            latency_ms=excluded.latency_ms,
            skus=excluded.skus,
            started_at=excluded.started_at,
            finished_at=excluded.finished_at,
        ),
    )


async def search_items(session: AsyncSession, run_id: str) -> list[SearchItemRow]:
    statement = select(SearchItemRow).where(SearchItemRow.run_id == run_id)
    return list((await session.scalars(statement.order_by(SearchItemRow.id))).all())


async def search_outcomes(session: AsyncSession, since: datetime) -> dict[str, list[Outcome]]:
    """What each store's searches met since `since`, oldest first (finished pages that asked the store)."""
    statement = (
        select(SearchItemRow)
        .where(
            SearchItemRow.finished_at.is_not(None),
            SearchItemRow.finished_at >= since,
            SearchItemRow.status.in_(("done", "failed", "dead")),
        )
        .order_by(SearchItemRow.finished_at)
    )
    outcomes: dict[str, list[Outcome]] = {}
    for item in (await session.scalars(statement)).all():
        assert item.finished_at is not None
        if item.latency_ms is not None:  # an answer's own time; a failure's is its wait
            latency = item.latency_ms / 1000
        else:
            latency = (item.finished_at - (item.started_at or item.finished_at)).total_seconds()
        outcome = Outcome(item.status == "done", max(0.0, latency), item.failure_class)
        outcomes.setdefault(item.store_id, []).append(outcome)
    return outcomes


async def breaker_states(session: AsyncSession) -> list[BreakerSnapshot]:
    rows = (await session.scalars(select(BreakerStateRow))).all()
    return [
        BreakerSnapshot(r.store_id, BreakerState(r.state), r.trips, r.open_until and as_utc(r.open_until), r.reason)
        for r in rows
    ]


async def save_breaker_states(session: AsyncSession, snapshots: list[BreakerSnapshot]) -> None:
    if not snapshots:
        return
    now = utcnow()
    values = [
        dict(store_id=b.store_id, state=b.state.value, trips=b.trips, open_until=b.open_until, reason=b.reason)
        for b in snapshots
    ]
    statement = upsert(session, BreakerStateRow).values([{**v, "updated_at": now} for v in values])
    changed = {c: statement.excluded[c] for c in ("state", "trips", "open_until", "reason", "updated_at")}
    await session.execute(statement.on_conflict_do_update(index_elements=[BreakerStateRow.store_id], set_=changed))


async def save_cached_answer(session: AsyncSession, key: str, store_id: str, expires_at: datetime, body: str) -> None:
    now = utcnow()
    statement = upsert(session, CachedAnswerRow).values(
        key=key, store_id=store_id, stored_at=now, expires_at=expires_at, body=body
    )
    changed = {c: statement.excluded[c] for c in ("stored_at", "expires_at", "body")}
    await session.execute(statement.on_conflict_do_update(index_elements=[CachedAnswerRow.key], set_=changed))


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC times."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def top_queries(session: AsyncSession, limit: int) -> list[str]:
    """The queries searched most often, most first: what warming the cache asks for."""
    searched = func.count(func.distinct(SearchItemRow.run_id))
    statement = select(SearchItemRow.query).group_by(SearchItemRow.query).order_by(searched.desc(), SearchItemRow.query)
    return list((await session.scalars(statement.limit(limit))).all())


async def start_run(session: AsyncSession, kind: str, request: dict[str, Any], status: str = "running") -> str:
    """A new run; "queued" when it waits for its turn (a service's plan), its heartbeat set when it starts."""
    run_id = str(uuid.uuid4())
    now = utcnow()
    session.add(RunRow(id=run_id, kind=kind, status=status, started_at=now, heartbeat_at=now, request=request))
    return run_id


async def mark_running(session: AsyncSession, run_id: str) -> bool:
    """A queued run starts; False when it was cancelled while it waited."""
    statement = (
        update(RunRow)
        .where(RunRow.id == run_id, RunRow.status.in_(("queued", "running")))
        .values(status="running", heartbeat_at=utcnow())
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def beat(session: AsyncSession, run_id: str) -> None:
    """Mark a run as still alive."""
    await session.execute(update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=utcnow()))


@dataclass(frozen=True)
class RunSummary:
    id: str
    kind: str
    status: str  # "abandoned" for a running run whose heartbeat stopped
    started_at: datetime
    finished_at: datetime | None
    error: str | None


async def recent_runs(session: AsyncSession, limit: int, stale_after_s: float) -> list[RunSummary]:
    rows = (await session.scalars(select(RunRow).order_by(RunRow.started_at.desc()).limit(limit))).all()
    now = utcnow()
    summaries = []
    for row in rows:
        status = row.status
        beat_at = row.heartbeat_at or row.started_at
        beat_at = as_utc(beat_at)
        if status == "running" and (now - beat_at).total_seconds() > stale_after_s:
            status = "abandoned"
        summaries.append(RunSummary(row.id, row.kind, status, row.started_at, row.finished_at, row.error))
    return summaries


async def finish_run(
    session: AsyncSession, run_id: str, status: str, stats: dict[str, Any] | None = None, error: str | None = None
) -> None:
    run = await session.get(RunRow, run_id)
    if run is not None:
        run.status, run.finished_at, run.stats, run.error = status, utcnow(), stats, error


async def save_plan(session: AsyncSession, run_id: str, plan: Plan) -> None:
    """The run's plan; a resumed run's replaces the one it had (one plan per run)."""
    await session.execute(delete(PlanRow).where(PlanRow.run_id == run_id))
    session.add(
        PlanRow(
            run_id=run_id,
            created_at=utcnow(),
            strategy=plan.strategy,
            total_cents=cents(plan.total) or 0,
            document=plan.model_dump(mode="json"),
        )
    )


@dataclass(frozen=True)
class HistoryRow:
    store_id: str
    product: str
    brand: str | None
    size: str | None
    observed_at: datetime
    price: Decimal | None
    regular_price: Decimal | None
    unit_price: Decimal | None
    unit: str | None
    in_stock: bool


async def last_known_offers(
    session: AsyncSession, store_id: str, query: str, since: datetime, exclude_run: str | None = None
) -> list[Offer]:
    """The newest price seen of each product a (store, query) search found since `since`, as offers:
    what a store that cannot answer now last said (the last-known-good tier)."""
    seen = (
        select(OfferRow.product_id, func.max(OfferRow.observed_at).label("seen"))
        .join(ProductRow, ProductRow.id == OfferRow.product_id)
        .where(ProductRow.store_id == store_id, OfferRow.search_query == query, OfferRow.observed_at >= since)
        .where(OfferRow.run_id.is_distinct_from(exclude_run), OfferRow.quality != HELD)
        .group_by(OfferRow.product_id)
        .subquery()
    )
    statement = (
        select(ProductRow, OfferRow)
        .join(OfferRow, OfferRow.product_id == ProductRow.id)
        .join(seen, and_(seen.c.product_id == OfferRow.product_id, seen.c.seen == OfferRow.observed_at))
    )
    offers: dict[int, Offer] = {}
    for product, row in (await session.execute(statement)).all():
        offers.setdefault(product.id, offer_from_row(product, row))
    return list(offers.values())


async def last_prices(
    session: AsyncSession, keys: Iterable[tuple[str, str]], since: datetime, exclude_run: str | None = None
) -> dict[tuple[str, str], Decimal | None]:
    """Each product's newest recorded price since `since`, outside `exclude_run`."""
    wanted = list(set(keys))
    prices: dict[tuple[str, str], Decimal | None] = {}
    for start in range(0, len(wanted), 500):  # bounded IN lists
        statement = (
            select(ProductRow.store_id, ProductRow.sku, OfferRow.price_cents)
            .join(OfferRow, OfferRow.product_id == ProductRow.id)
            .where(tuple_(ProductRow.store_id, ProductRow.sku).in_(wanted[start : start + 500]))
            .where(OfferRow.observed_at >= since, OfferRow.quality != HELD)
            .where(OfferRow.run_id.is_distinct_from(exclude_run))
            .order_by(OfferRow.observed_at.desc())
        )
        for store_id, sku, price_cents in (await session.execute(statement)).all():
            prices.setdefault((store_id, sku), dollars(price_cents))
    return prices


async def searches_holding(session: AsyncSession, skus: dict[str, set[str]], since: datetime) -> dict[str, set[str]]:
    """Per store, the queries whose answers since `since` held any of these products."""
    statement = select(SearchItemRow.store_id, SearchItemRow.query, SearchItemRow.skus).where(
        SearchItemRow.store_id.in_(list(skus)),
        SearchItemRow.finished_at >= since,
        SearchItemRow.skus.is_not(None),
    )
    holding: dict[str, set[str]] = {}
    for store_id, query, found in (await session.execute(statement)).all():
        if skus[store_id].intersection(found or ()):
            holding.setdefault(store_id, set()).add(query)
    return holding


def offer_from_row(product: ProductRow, row: OfferRow) -> Offer:
    """An offer as it was recorded (the reverse of save_offers)."""
    total = dollars(row.multi_buy_total_cents)
    deal = MultiBuy(quantity=row.multi_buy_quantity, total=total) if row.multi_buy_quantity and total else None
    sold_by = SoldBy(row.sold_by)
    observed = as_utc(row.observed_at)
    return Offer(
        product=Product(
            store_id=product.store_id,
            sku=product.sku,
            name=product.name,
            brand=product.brand,
            size_text=product.size_text,
            size=parse_size(row.pack_size or product.size_text),
            department=product.department,
        ),
        price=dollars(row.price_cents),
        regular_price=dollars(row.regular_price_cents),
        member_price=dollars(row.member_price_cents),
        multi_buy=deal,
        sold_by=sold_by,
        price_per_kg=dollars(row.unit_price_cents) if sold_by is SoldBy.WEIGHT and row.unit == "kg" else None,
        shelf_unit_price=dollars(row.shelf_unit_price_cents),
        in_stock=row.in_stock,
        observed_at=observed,
        source_format=row.source_format,
        collection_method=row.collection_method,
        confidence=row.confidence,
        search_query=row.search_query,
    )


async def price_history(session: AsyncSession, query: str, limit: int = 200) -> list[HistoryRow]:
    """Observations of products whose name contains every word of `query`, newest first."""
    statement = _history()
    for term in words(query):
        statement = statement.where(ProductRow.name.ilike(f"%{term}%"))
    statement = statement.order_by(ProductRow.name, ProductRow.store_id, OfferRow.observed_at.desc()).limit(limit)
    return await _history_rows(session, statement)


async def product_history(session: AsyncSession, store_id: str, sku: str, limit: int = 500) -> list[HistoryRow]:
    """Observations of one store's product, oldest first (a chart's order)."""
    statement = (
        _history()
        .where(ProductRow.store_id == store_id, ProductRow.sku == sku)
        .order_by(OfferRow.observed_at.desc())
        .limit(limit)
    )
    return list(reversed(await _history_rows(session, statement)))


def _history() -> Select[ProductRow, OfferRow]:
    return (
        select(ProductRow, OfferRow)
        .join(OfferRow, OfferRow.product_id == ProductRow.id)
        .where(OfferRow.quality != HELD)  # quarantined prices are no history
    )


async def _history_rows(session: AsyncSession, statement: Select[ProductRow, OfferRow]) -> list[HistoryRow]:
    result = await session.execute(statement)
    return [
        HistoryRow(
            store_id=product.store_id,
            product=product.name,
            brand=product.brand,
            size=product.size_text,
            observed_at=as_utc(offer.observed_at),  # SQLite gives naive times back
            price=dollars(offer.price_cents),
            regular_price=dollars(offer.regular_price_cents),
            unit_price=dollars(offer.unit_price_cents),
            unit=offer.unit,
            in_stock=offer.in_stock,
        )
        for product, offer in result.all()
    ]
