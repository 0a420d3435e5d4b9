"""The tables. Money is stored as integer cents: exact on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class StoreRow(Base):
    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    connector: Mapped[str] = mapped_column(String(64))
    base_url: Mapped[str] = mapped_column(String(500))


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("store_id", "sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    sku: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500), index=True)
    brand: Mapped[str | None] = mapped_column(String(200))
    size_text: Mapped[str | None] = mapped_column(String(200))
    size_amount: Mapped[float | None] = mapped_column(Float)
    size_unit: Mapped[str | None] = mapped_column(String(8))
    department: Mapped[str | None] = mapped_column(String(200))


class OfferRow(Base):
    """One price observation: the price history is every row of this table."""

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_product_time", "product_id", "observed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("workflow_runs.id"))
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    price_cents: Mapped[int | None] = mapped_column(Integer)
    regular_price_cents: Mapped[int | None] = mapped_column(Integer)
    member_price_cents: Mapped[int | None] = mapped_column(Integer)
    multi_buy_quantity: Mapped[int | None] = mapped_column(Integer)
    multi_buy_total_cents: Mapped[int | None] = mapped_column(Integer)
    sold_by: Mapped[str] = mapped_column(String(16))
    unit_price_cents: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(8))
    in_stock: Mapped[bool] = mapped_column(Boolean)
    source_format: Mapped[str] = mapped_column(String(64))
    collection_method: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_modified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_query: Mapped[str | None] = mapped_column(String(300))
    shelf_unit_price_cents: Mapped[int | None] = mapped_column(Integer)  # the store's own unit price
    # the pack size as the connector read it (canonical text: "~600 g" for an item sold by weight), which
    # may differ from the product's printed size and, sold by weight, from one observation to the next
    pack_size: Mapped[str | None] = mapped_column(String(64))
    # ok; remedied (corrected by the quality gate); held (quarantined: in no history, fallback or plan)
    quality: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")


class SearchItemRow(Base):
    """One page of one search in one run: pending until it is done or failed, committed as it changes.

    What resume, the last-known-good cache and per-search figures read: which (store, query)
    searches a run has finished, how, and when.
    """

    __tablename__ = "search_items"
    __table_args__ = (
        UniqueConstraint("run_id", "store_id", "query", "page"),
        Index("ix_search_items_search", "store_id", "query", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("workflow_runs.id"), index=True)
    store_id: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(String(300))
    page: Mapped[int] = mapped_column(Integer)
    # pending, leased (a process is on it until lease_until, renewed by its heartbeat), done, cached (no
    # request), failed, dead (failed for good: left to the dead-letter queue)
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(100))  # the process holding the lease
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_class: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    offers: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int | None] = mapped_column(Integer)  # the store's answer time, without queueing
    skus: Mapped[list[str] | None] = mapped_column(JSON)  # the products the page found
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    __tablename__ = "workflow_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # touched while alive
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("workflow_runs.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    strategy: Mapped[str] = mapped_column(String(32))
    total_cents: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class BreakerStateRow(Base):
    """Each store's circuit breaker as the last run left it, so the next run starts from it."""

    __tablename__ = "breaker_states"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # closed, open
    trips: Mapped[int] = mapped_column(Integer)
    open_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CachedAnswerRow(Base):
    """The cache's disk tier: a store's answer to one request, as JSON, fresh until `expires_at`."""

    __tablename__ = "cached_answers"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of store and request
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)


class QualityEventRow(Base):
    """What the quality gate found on one offer and did: flagged, remedied (before and after) or
    quarantined (held until released or dropped by command)."""

    __tablename__ = "quality_events"
    __table_args__ = (Index("ix_quality_events_action_status", "action", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("workflow_runs.id"), index=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    sku: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(500))
    price_cents: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str | None] = mapped_column(String(16))  # quarantined: held, released, dropped
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StageCheckpointRow(Base):
    """A finished stage's output, as JSON, so a resumed run need not do it again."""

    __tablename__ = "stage_checkpoints"

    run_id: Mapped[str] = mapped_column(ForeignKey("workflow_runs.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeadLetterRow(Base):
    """A search that could not be done (retries exhausted, or a failure retrying cannot mend), waiting
    for a person: retried or dropped by command. One per store and query while it stays open."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(String(300))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("workflow_runs.id"))  # the run that last failed it
    failure_class: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # what a retry needs: store set, store, query
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # open, resolved (a retry succeeded), dropped


class AlertRow(Base):
    """One alert by its key (what condition, about what): firing until its condition clears, then
    resolved; `delivered` says whether its latest state reached every route."""

    __tablename__ = "alerts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # firing, resolved
    first_fired: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    """One admin action of the service: who (the client's address), what, with what, and how it ended."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    client: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(Text)
