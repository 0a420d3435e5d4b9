"""`grocery-scanner quality`: the quality gate's quarantine, remedies and scores."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.table import Table

from grocery_scanner.cli.consoles import console
from grocery_scanner.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

quality_app = typer.Typer(no_args_is_help=True, help="Price quality: the quarantine, remedies and scores.")

StoreOpt = Annotated[str | None, typer.Option("--store", "-s", help="Only this store id.")]


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work(session)` in one transaction of the project's database."""
    from grocery_scanner.services import Services

    services = Services(load_settings())

    async def run() -> T:
        async with services.database() as db, db.session() as session:
            return await work(session)

    return asyncio.run(run())


@quality_app.command("quarantine")
def quarantine_list(store: StoreOpt = None) -> None:
    """The offers the gate holds back from plans, with why; release or drop them by id."""
    from grocery_scanner.storage import quality_records

    rows = _run(lambda s: quality_records.quarantine(s, store))
    if not rows:
        console.print("the quarantine is empty" + (f" for {store}" if store else ""))
        return
    table = Table(title=f"Quarantine: {len(rows)} finding(s)")
    for column in ("Id", "Store", "Product", "Price", "Kind", "Why", "Since"):
        table.add_column(column, overflow="fold")
    for r in rows:
        price = f"${r.price_cents / 100:.2f}" if r.price_cents is not None else ""
        table.add_row(str(r.id), r.store_id, r.product, price, r.kind, r.detail, f"{r.created_at:%Y-%m-%d %H:%M}")
    console.print(table)
    console.print("grocery-scanner quality release ID | quality drop ID")


@quality_app.command("release")
def release(event_id: Annotated[int, typer.Argument(help="The id `quality quarantine` shows.")]) -> None:
    """Let a held offer's price count again (in history, fallbacks and plans)."""
    from grocery_scanner.storage import quality_records

    event = _run(lambda s: quality_records.resolve(s, event_id, release=True))
    console.print(f"released {event.product} at {event.store_id}")


@quality_app.command("drop")
def drop(event_id: Annotated[int, typer.Argument(help="The id `quality quarantine` shows.")]) -> None:
    """Delete a held offer's observation for good (the finding stays, marked dropped)."""
    from grocery_scanner.storage import quality_records

    event = _run(lambda s: quality_records.resolve(s, event_id, release=False))
    console.print(f"dropped {event.product} at {event.store_id}")


@quality_app.command("report")
def report(
    store: StoreOpt = None,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Findings of the last N days.")] = 30,
) -> None:
    """Quality scores per store (the latest plan's), findings by kind and the latest remedies."""
    from grocery_scanner.storage import quality_records

    found = _run(lambda s: quality_records.summary(s, store, days))
    scores = Table(title=f"Quality scores (latest plan, {found.scored_at:%Y-%m-%d %H:%M})" if found.scored_at else "")
    for column in ("Store", "Offers", "Completeness", "Consistency", "Accuracy", "Score"):
        scores.add_column(column, justify="left" if column == "Store" else "right")
    for store_id, s in found.scores.items():
        scores.add_row(store_id, *(str(s[k]) for k in ("offers", "completeness", "consistency", "accuracy", "score")))
    if found.scores:
        console.print(scores)
    else:
        console.print("no plan has been scored yet: run `grocery-scanner plan` first")
    findings = Table(title=f"Findings, last {days} days")
    for column in ("Store", "Kind", "Action", "Count"):
        findings.add_column(column)
    for store_id, kind, action, count in found.counts:
        findings.add_row(store_id, kind, action, str(count))
    console.print(findings if found.counts else f"no findings in the last {days} days")
    if found.remedies:
        remedies = Table(title="Latest remedies")
        for column in ("Store", "Product", "Kind", "Before", "After"):
            remedies.add_column(column, overflow="fold")
        for r in found.remedies:
            remedies.add_row(r.store_id, r.product, r.kind, _fields(r.before), _fields(r.after))
        console.print(remedies)
    console.print(f"{found.held} offer finding(s) held in quarantine: grocery-scanner quality quarantine")


def _fields(values: dict[str, str] | None) -> str:
    return ", ".join(f"{k.replace('_', ' ')} ${v}" for k, v in (values or {}).items())
