"""Reads and writes for recovery: stage checkpoints, resuming and cancelling runs, what a run already
found, and the dead-letter queue."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from grocery_scanner.errors import UserInputError
from grocery_scanner.models import Offer, utcnow
from grocery_scanner.storage.repository import as_utc, offer_from_row, upsert
from grocery_scanner.storage.tables import (
    DeadLetterRow,
    OfferRow,
    ProductRow,
    RunRow,
    SearchItemRow,
    StageCheckpointRow,
)

RESUMABLE = ("failed", "interrupted")  # and "running" with a stopped heartbeat: its process died


async def find_run(session: AsyncSession, ref: str) -> RunRow:
    """A run by its id or the start of it (as `runs` and `workflows list` print it)."""
    rows = (await session.scalars(select(RunRow).where(RunRow.id.startswith(ref.strip())).limit(2))).all()
    if not ref.strip() or not rows:
        raise UserInputError(f"no run with id {ref!r}; see `grocery-scanner workflows list`")
    if len(rows) > 1:
        raise UserInputError(f"run id {ref!r} is ambiguous: give more of it")
    return rows[0]


async def recent_plan_runs(session: AsyncSession, limit: int) -> list[RunRow]:
    statement = select(RunRow).where(RunRow.kind == "plan").order_by(RunRow.started_at.desc()).limit(limit)
    return list((await session.scalars(statement)).all())


async def claim_queued(session: AsyncSession, run_id: str) -> bool:
    """A queued run taken to running, atomically: of two workers only one wins."""
    statement = (
        update(RunRow)
        .where(RunRow.id == run_id, RunRow.status == "queued")
        .values(status="running", heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def claim_run(session: AsyncSession, run_id: str, stale_after_s: float) -> bool:
    """Takes a stopped run back to running, atomically: of two resumers only one wins."""
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    stopped = or_(RunRow.status.in_(RESUMABLE), (RunRow.status == "running") & (RunRow.heartbeat_at < cutoff))
    statement = (
        update(RunRow)
        .where(RunRow.id == run_id, stopped)
        .values(status="running", heartbeat_at=utcnow(), finished_at=None, error=None)
        .execution_options(synchronize_session=False)  # SQLite's naive times cannot be compared in Python
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def request_cancel(session: AsyncSession, run: RunRow, stale_after_s: float) -> str:
    """A live run is asked to stop (its heartbeat sees it); a stopped one is cancelled at once."""
    alive = run.status == "running" and (utcnow() - _aware(run.heartbeat_at)).total_seconds() <= stale_after_s
    if run.status in ("succeeded", "cancelled"):
        raise UserInputError(f"run {run.id[:8]} is {run.status}: nothing to cancel")
    status = "cancelling" if alive else "cancelled"
    values: dict[str, Any] = {"status": status}
    if status == "cancelled":
        values["finished_at"] = utcnow()
    await session.execute(update(RunRow).where(RunRow.id == run.id).values(**values))
    return status


async def cancel_requested(session: AsyncSession, run_id: str) -> bool:
    return await session.scalar(select(RunRow.status).where(RunRow.id == run_id)) == "cancelling"


def _aware(value: datetime | None) -> datetime:
    return as_utc(value) if value is not None else utcnow() - timedelta(days=365)


OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this process, as a lease holder


async def lease_searches(session: AsyncSession, run_id: str, ttl_s: float, take_over: bool = False) -> int:
    """Leases the run's unfinished searches to this process until `ttl_s` from now: pending ones, ones
    whose lease ran out (their process died) and, for a run this process has just claimed, any still
    leased (they were in flight when it died). Returns how many were taken from another process."""
    now = utcnow()
    leased = SearchItemRow.status == "leased"
    reclaimable = leased if take_over else leased & (SearchItemRow.lease_until < now)
    mine = SearchItemRow.run_id == run_id
    taken = await session.scalar(select(func.count(SearchItemRow.id)).where(mine, reclaimable))
    await session.execute(
        update(SearchItemRow)
        .where(mine, or_(SearchItemRow.status == "pending", reclaimable))
        .values(status="leased", owner=OWNER, lease_until=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )
    return int(taken or 0)


async def renew_leases(session: AsyncSession, run_id: str, ttl_s: float) -> None:
    await session.execute(
        update(SearchItemRow)
        .where(SearchItemRow.run_id == run_id, SearchItemRow.owner == OWNER, SearchItemRow.status == "leased")
        .values(lease_until=utcnow() + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )


async def save_checkpoint(session: AsyncSession, run_id: str, stage: str, data: str) -> None:
    statement = upsert(session, StageCheckpointRow).values(run_id=run_id, stage=stage, data=data, created_at=utcnow())
    changed = {c: statement.excluded[c] for c in ("data", "created_at")}
    key = [StageCheckpointRow.run_id, StageCheckpointRow.stage]
    await session.execute(statement.on_conflict_do_update(index_elements=key, set_=changed))


async def checkpoints(session: AsyncSession, run_id: str) -> dict[str, str]:
    rows = await session.scalars(select(StageCheckpointRow).where(StageCheckpointRow.run_id == run_id))
    return {row.stage: row.data for row in rows.all()}


@dataclass
class FoundBefore:
    """What a stopped run had already found: its finished search items and the offers it recorded."""

    items: list[SearchItemRow]
    offers: dict[tuple[str, str], Offer]


async def found_before(session: AsyncSession, run_id: str) -> FoundBefore:
    items = await session.scalars(select(SearchItemRow).where(SearchItemRow.run_id == run_id))
    rows = await session.execute(
        select(ProductRow, OfferRow)
        .join(OfferRow, OfferRow.product_id == ProductRow.id)
        .where(OfferRow.run_id == run_id)
    )
    offers = {(p.store_id, p.sku): offer_from_row(p, o) for p, o in rows.all()}
    return FoundBefore(list(items.all()), offers)


async def add_dead_letters(
    session: AsyncSession, run_id: str | None, failed: list[tuple[str, str, str, str]], store_set: str
) -> None:
    """Failed searches (store, query, failure class, reason) into the queue: a search already waiting
    there counts one more attempt."""
    now = utcnow()
    for store_id, query, failure_class, reason in failed:
        letter = await session.scalar(
            select(DeadLetterRow).where(
                DeadLetterRow.store_id == store_id, DeadLetterRow.query == query, DeadLetterRow.status == "open"
            )
        )
        if letter is None:
            payload = {"store_set": store_set, "store_id": store_id, "query": query}
            session.add(
                DeadLetterRow(
                    store_id=store_id, query=query, run_id=run_id, failure_class=failure_class, reason=reason,
                    payload=payload, attempts=1, first_seen=now, last_seen=now, status="open",
                )
            )  # fmt: skip
        else:
            letter.attempts += 1
            letter.last_seen, letter.run_id = now, run_id
            letter.failure_class, letter.reason = failure_class, reason


async def settle_letters(
    session: AsyncSession, run_id: str, done: list[tuple[str, str]], dead: list[tuple[str, str]]
) -> None:
    """Open letters of searches that have now succeeded are resolved; the search items of searches that
    failed for good are marked dead (a resume leaves them to the queue)."""
    now = utcnow()
    waiting = (
        await session.execute(
            select(DeadLetterRow.id, DeadLetterRow.store_id, DeadLetterRow.query).where(DeadLetterRow.status == "open")
        )
    ).all()
    answered = set(done)
    settled = [letter_id for letter_id, store_id, query in waiting if (store_id, query) in answered]
    if settled:
        await session.execute(
            update(DeadLetterRow).where(DeadLetterRow.id.in_(settled)).values(status="resolved", last_seen=now)
        )
    for store_id, query in dead:
        await session.execute(
            update(SearchItemRow)
            .where(SearchItemRow.run_id == run_id, SearchItemRow.store_id == store_id, SearchItemRow.query == query)
            .where(SearchItemRow.status == "failed")
            .values(status="dead")
        )


async def dead_letters(session: AsyncSession, status: str | None = "open") -> list[DeadLetterRow]:
    statement = select(DeadLetterRow).order_by(DeadLetterRow.id)
    if status:
        statement = statement.where(DeadLetterRow.status == status)
    return list((await session.scalars(statement)).all())


async def dead_letter(session: AsyncSession, letter_id: int) -> DeadLetterRow:
    letter = await session.get(DeadLetterRow, letter_id)
    if letter is None:
        raise UserInputError(f"no dead letter with id {letter_id}; see `grocery-scanner dlq list`")
    return letter


async def open_letters(session: AsyncSession) -> int:
    statement = select(func.count(DeadLetterRow.id)).where(DeadLetterRow.status == "open")
    return int(await session.scalar(statement) or 0)
