"""`grocery-scanner prodtest`: the production scenarios, run for real against the embedded demo stores
(docs/prodtest.md): progress on stderr, the summary table on stdout, exit code 1 when any fails."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from grocery_scanner.cli.consoles import console, err_console
from grocery_scanner.cli.output import check_writable
from grocery_scanner.settings import load_settings

if TYPE_CHECKING:  # the suite's modules load the whole workflow: only when the command runs
    from rich.progress import Progress, TaskID

    from grocery_scanner.prodtest.context import Scenario
    from grocery_scanner.prodtest.results import ScenarioResult


class _Display:
    """The suite's progress on stderr: which scenario, and how far it has got."""

    def __init__(self, bar: Progress, scenarios: int) -> None:
        self.bar, self.scenarios, self.done = bar, scenarios, 0
        self.task: TaskID | None = None

    def started(self, scenario: Scenario) -> None:
        self.task = self.bar.add_task(f"[{self.done + 1}/{self.scenarios}] {scenario.name}", total=None, detail="")

    def progress(self, done: float, total: float | None, detail: str) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=done, total=total, detail=detail)

    def finished(self, result: ScenarioResult) -> None:
        self.done += 1
        if self.task is not None:
            verdict = "[green]pass[/green]" if result.passed else "[red]FAIL[/red]"
            self.bar.update(self.task, completed=1, total=1, detail=f"{verdict} in {result.wall_s:g} s")


def prodtest(
    list_scenarios: Annotated[bool, typer.Option("--list", help="List the scenarios and exit.")] = False,
    test: Annotated[
        list[str] | None, typer.Option("--test", help="Run only this scenario (repeatable); default: all.")
    ] = None,
    export: Annotated[Path | None, typer.Option("--export", help="Write every figure and check to this JSON.")] = None,
    duration_scale: Annotated[
        float, typer.Option("--duration-scale", help="Scale durations and counts: 0.1 quick, 60 for hours.")
    ] = 1.0,
) -> None:
    """Run the production scenarios: load, store failures, stress, recovery, cache, data quality, endurance."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from grocery_scanner.monitoring.logs import configure_logging
    from grocery_scanner.prodtest import report
    from grocery_scanner.prodtest.suite import check_scale, chosen, run_suite

    scenarios = chosen(test)
    if list_scenarios:
        table = Table(title="Production scenarios")
        table.add_column("Scenario")
        table.add_column("What it does (at --duration-scale 1)")
        for scenario in scenarios:
            table.add_row(scenario.name, scenario.summary)
        console.print(table)
        return
    check_scale(duration_scale)
    check_writable(export, "--export")
    settings = load_settings()
    configure_logging(settings.log_format, "ERROR")  # the scenarios break stores on purpose: no warning each time
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[detail]}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console) as bar:
        suite = run_suite(scenarios, duration_scale, settings, _Display(bar, len(scenarios)))
    console.print(report.summary_table(suite))
    if export is not None:
        report.export(suite, export)
        err_console.print(f"results written to {export}")
    if not suite.passed:
        raise typer.Exit(1)
