"""`grocery-scanner workflows` and `dlq`: stopped runs resumed or cancelled, failed searches retried."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.table import Table

from grocery_scanner.cli.consoles import PlanFormat, console
from grocery_scanner.errors import UserInputError
from grocery_scanner.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from grocery_scanner.services import Services

T = TypeVar("T")
workflows_app = typer.Typer(no_args_is_help=True, help="Plan runs: list, show, resume or cancel them.")
dlq_app = typer.Typer(no_args_is_help=True, help="The dead-letter queue: searches that could not be done.")
RunArg = Annotated[str, typer.Argument(help="A run id, or the start of it (as `workflows list` shows it).")]


def _services() -> Services:
    from grocery_scanner.services import Services

    return Services(load_settings())


def _in_session(work: Callable[[AsyncSession], Awaitable[T]], services: Services | None = None) -> T:
    services = services or _services()

    async def run() -> T:
        async with services.database() as db, db.session() as session:
            return await work(session)

    return asyncio.run(run())


@workflows_app.command("list")
def workflows_list(limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20) -> None:
    """Recent runs with their status and searches done; stopped plan runs can be resumed."""
    from grocery_scanner.storage import repository

    services = _services()

    async def work(session: AsyncSession) -> list[tuple[repository.RunSummary, Counter[str]]]:
        runs = await repository.recent_runs(session, limit, services.settings.run_stale_s)
        return [(r, Counter(i.status for i in await repository.search_items(session, r.id))) for r in runs]

    table = Table(title="Runs")
    for column in ("Run", "Kind", "Status", "Started", "Search pages", "Resume"):
        table.add_column(column)
    for run, items in _in_session(work, services):
        finished = sum(items.values()) - items["pending"] - items["leased"]
        pages = f"{finished}/{sum(items.values())}" if items else ""
        resumable = run.kind == "plan" and run.status in ("failed", "interrupted", "abandoned")
        hint = f"workflows resume {run.id[:8]}" if resumable else ""
        table.add_row(run.id[:8], run.kind, run.status, f"{run.started_at:%Y-%m-%d %H:%M:%S}", pages, hint)
    console.print(table)


@workflows_app.command("show")
def workflows_show(run_id: RunArg) -> None:
    """One run: what it was asked, how far it got, its checkpoints, failures and dead letters."""
    from grocery_scanner.storage import recovery_records, repository

    async def work(session: AsyncSession):
        run = await recovery_records.find_run(session, run_id)
        items = await repository.search_items(session, run.id)
        saved = await recovery_records.checkpoints(session, run.id)
        letters = [d for d in await recovery_records.dead_letters(session, None) if d.run_id == run.id]
        return run, items, saved, letters

    run, items, saved, letters = _in_session(work)
    console.print(f"run {run.id} ({run.kind}): {run.status}, started {run.started_at:%Y-%m-%d %H:%M:%S}")
    if run.error:
        console.print(f"error: {run.error}")
    console.print(f"request: {run.request}")
    console.print(f"stage checkpoints: {', '.join(sorted(saved)) or 'none'}")
    counts = Counter(i.status for i in items)
    console.print(f"search pages: {', '.join(f'{n} {s}' for s, n in sorted(counts.items())) or 'none'}")
    for item in [i for i in items if i.status in ("failed", "dead")][:20]:
        console.print(f"  failed: {item.store_id}: {item.query!r}: {item.error}")
    for letter in letters:
        console.print(f"  dead letter {letter.id} ({letter.status}): {letter.store_id}: {letter.query!r}")


@workflows_app.command("resume")
def workflows_resume(
    run_id: RunArg,
    output: Annotated[PlanFormat, typer.Option("--format", "-f")] = PlanFormat.table,
    output_path: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")] = None,
) -> None:
    """Go on with a stopped plan run: finished searches are kept, only the rest is done (= plan --resume)."""
    from grocery_scanner.cli.app import plan

    plan(inputs=None, resume=run_id, output=output, output_path=output_path)


@workflows_app.command("cancel")
def workflows_cancel(run_id: RunArg) -> None:
    """Stop a running plan (it stops at its next heartbeat) or close a stopped one for good."""
    from grocery_scanner.storage import recovery_records

    services = _services()

    async def work(session: AsyncSession) -> tuple[str, str]:
        run = await recovery_records.find_run(session, run_id)
        return run.id, await recovery_records.request_cancel(session, run, services.settings.run_stale_s)

    found, status = _in_session(work, services)
    if status == "cancelling":
        console.print(f"run {found[:8]} is asked to stop: it stops within {services.settings.heartbeat_s:g} s")
    else:
        console.print(f"run {found[:8]} cancelled")


@dlq_app.command("list")
def dlq_list(
    every: Annotated[bool, typer.Option("--all", help="Resolved and dropped ones too.")] = False,
) -> None:
    """The searches waiting in the dead-letter queue."""
    from grocery_scanner.storage import recovery_records

    letters = _in_session(lambda s: recovery_records.dead_letters(s, None if every else "open"))
    if not letters:
        console.print("the dead-letter queue is empty")
        return
    table = Table(title=f"Dead letters: {len(letters)}")
    for column in ("Id", "Store", "Query", "Failure", "Attempts", "First seen", "Last seen", "Status"):
        table.add_column(column, overflow="fold")
    for d in letters:
        table.add_row(
            str(d.id), d.store_id, d.query, f"{d.failure_class}: {d.reason}", str(d.attempts),
            f"{d.first_seen:%Y-%m-%d %H:%M}", f"{d.last_seen:%Y-%m-%d %H:%M}", d.status,
        )  # fmt: skip
    console.print(table)


@dlq_app.command("show")
def dlq_show(letter_id: Annotated[int, typer.Argument(help="The id `dlq list` shows.")]) -> None:
    """One dead letter in full: reason, failure class, payload, attempts."""
    from grocery_scanner.storage import recovery_records

    d = _in_session(lambda s: recovery_records.dead_letter(s, letter_id))
    for name in ("id", "status", "store_id", "query", "failure_class", "reason", "payload", "attempts", "run_id"):
        console.print(f"{name}: {getattr(d, name)}")
    console.print(f"first seen: {d.first_seen:%Y-%m-%d %H:%M:%S}, last seen: {d.last_seen:%Y-%m-%d %H:%M:%S}")


@dlq_app.command("retry")
def dlq_retry(
    letter_id: Annotated[int | None, typer.Argument(help="The id `dlq list` shows.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every open dead letter.")] = False,
) -> None:
    """Search again: a search that now succeeds leaves the queue (its prices recorded); one that fails
    again stays, with one more attempt."""
    from grocery_scanner.workflow.dead_letters import retry_letters

    if (letter_id is None) == (not every):
        raise UserInputError("name one dead letter's id, or --all")
    services = _services()

    async def run() -> list[tuple[int, bool, str]]:
        async with services.database() as db:
            return await retry_letters(services, db, None if every else [letter_id])  # type: ignore[list-item]

    outcomes = asyncio.run(run())
    if not outcomes:
        console.print("the dead-letter queue is empty")
    for lid, succeeded, detail in outcomes:
        console.print(f"{lid}: {'resolved' if succeeded else 'failed again'}: {detail}")


@dlq_app.command("drop")
def dlq_drop(letter_id: Annotated[int, typer.Argument(help="The id `dlq list` shows.")]) -> None:
    """Take a dead letter out of the queue without searching again."""
    from grocery_scanner.storage import recovery_records

    async def work(session: AsyncSession) -> str:
        letter = await recovery_records.dead_letter(session, letter_id)
        if letter.status != "open":
            raise UserInputError(f"dead letter {letter_id} is already {letter.status}")
        letter.status = "dropped"
        return f"{letter.store_id}: {letter.query!r}"

    console.print(f"dropped {_in_session(work)}")
