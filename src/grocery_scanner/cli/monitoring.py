"""`grocery-scanner metrics` and `health`: the figures Prometheus reads, and the health score."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.live import Live
from rich.table import Table

from grocery_scanner.cli.consoles import OutputFormat, console
from grocery_scanner.settings import load_settings

if TYPE_CHECKING:
    from grocery_scanner.monitoring.health_score import HealthReport

health_app = typer.Typer(no_args_is_help=True, help="The health score: check, export or watch it.")
WindowOpt = Annotated[float, typer.Option("--window", min=1, max=10080, help="Minutes of activity to judge by.")]


def metrics(window: WindowOpt = 60) -> None:
    """The metrics in Prometheus' text format, as the database recorded the last WINDOW minutes."""
    from grocery_scanner.monitoring.recorded import recorded_metrics
    from grocery_scanner.services import Services

    services = Services(load_settings())

    async def run() -> bytes:
        async with services.database() as db:
            return (await recorded_metrics(services.settings, db, window)).exposition()

    sys.stdout.write(asyncio.run(run()).decode())


def _assess(window: float) -> HealthReport:
    """The health report, its alerts evaluated (fired, held or resolved, and sent) on the way."""
    from grocery_scanner.monitoring.alerts import checked_health
    from grocery_scanner.services import Services

    services = Services(load_settings())

    async def run() -> HealthReport:
        async with services.database() as db:
            return await checked_health(services.settings, db, window)

    return asyncio.run(run())


def _table(report: HealthReport) -> Table:
    table = Table(title=f"Health: {report.score:g}/100, {report.status} ({report.measured_at:%Y-%m-%d %H:%M:%S} UTC)")
    for column in ("Component", "Score", "Status", "Detail"):
        table.add_column(column, overflow="fold")
    for c in report.components:
        table.add_row(c.name, f"{c.score:g}" if c.score is not None else "-", c.status, c.detail)
    if report.alerts is not None:
        alerts = report.alerts
        caption = f"alerts: {len(alerts.fired)} fired, {len(alerts.held)} still firing, {len(alerts.resolved)} resolved"
        if alerts.undelivered:
            caption += f", {len(alerts.undelivered)} not delivered (retried next check)"
        table.caption = caption
    return table


@health_app.command("check")
def health_check(
    window: WindowOpt = 60, output: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table
) -> None:
    """One report; exit code 0 healthy, 1 degraded, 2 unhealthy."""
    from grocery_scanner.monitoring.health_score import EXIT_CODES

    report = _assess(window)
    if output is OutputFormat.json:
        console.print_json(json.dumps(report.as_dict()))
    else:
        console.print(_table(report))
    raise typer.Exit(EXIT_CODES[report.status])


@health_app.command("export")
def health_export(
    export_file: Annotated[Path, typer.Option("--export-file", help="Where to write the report (JSON).")] = Path(
        "health_report.json"
    ),
    window: WindowOpt = 60,
) -> None:
    """The report as JSON in a file."""
    report = _assess(window)
    export_file.write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    console.print(f"health {report.status} ({report.score:g}/100) written to {export_file}")


@health_app.command("monitor")
def health_monitor(
    interval: Annotated[float, typer.Option("--interval", min=1, max=3600, help="Seconds between checks.")] = 30,
    window: WindowOpt = 60,
) -> None:
    """The report, checked again every INTERVAL seconds, until Ctrl-C."""
    try:
        with Live(_table(_assess(window)), console=console, refresh_per_second=1) as live:
            while True:
                time.sleep(interval)
                live.update(_table(_assess(window)))
    except KeyboardInterrupt:
        console.print("stopped")


@health_app.command("sla")
def health_sla(output: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table) -> None:
    """Each SLA target against what the runs of its window measured, with its trend and any projected breach."""
    from grocery_scanner.monitoring.sla import SlaFigure, track
    from grocery_scanner.services import Services

    services = Services(load_settings())

    async def run() -> list[SlaFigure]:
        async with services.database() as db:
            return await track(db, services.settings.sla)

    figures = asyncio.run(run())
    if output is OutputFormat.json:
        console.print_json(json.dumps([f.as_dict() for f in figures]))
        return
    table = Table(title=f"SLA over the last {services.settings.sla.window_h:g} h")
    for column in ("Target", "Goal", "Measured", "Samples", "Met", "Trend per hour", "Projected breach"):
        table.add_column(column)
    for f in figures:
        trend = f"{f.trend.slope_per_h:+.4g} ± {f.trend.stderr_per_h:.2g}" if f.trend else "too few points"
        breach = ""
        if f.trend and f.trend.breach_at and f.trend.breach_range:
            low, high = f.trend.breach_range
            breach = f"{f.trend.breach_at:%Y-%m-%d %H:%M} ({low:%m-%d %H:%M} to {high:%m-%d %H:%M})"
        met = "-" if f.compliant is None else "yes" if f.compliant else "no"
        value = "-" if f.value is None else f"{f.value:g}"
        table.add_row(
            f.name, f"{'>=' if f.higher_is_better else '<='} {f.target:g}", value, str(f.samples), met, trend, breach
        )
    console.print(table)
