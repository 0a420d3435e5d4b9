"""The suite's results: a summary table (Rich) and a JSON document of every figure and check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from grocery_scanner.prodtest.suite import SuiteResult


def _shown(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1%}" if unit == "%" else f"{value:g}{unit}"
    return f"{value}{unit}"


def summary_table(suite: SuiteResult) -> Table:
    passed = sum(r.passed for r in suite.results)
    table = Table(
        title=f"Production scenarios: {passed} of {len(suite.results)} passed "
        f"(--duration-scale {suite.scale:g}, {suite.wall_s:g} s)",
        caption="thresholds: the settings' SLA targets and each scenario's named constants (docs/prodtest.md)",
    )
    for column in ("Scenario", "Result", "Plans", "Success", "p50 s", "p95 s", "Peak MB", "Health", "Time s", "Failed"):
        table.add_column(column, overflow="fold")
    for r in suite.results:
        f = r.figures
        health = f"{_shown(f.get('health_before'))} -> {_shown(f.get('health_after'))}"
        failed = "; ".join(c.describe() for c in r.failed_checks)
        table.add_row(
            r.name,
            "[green]pass[/green]" if r.passed else "[red]FAIL[/red]",
            _shown(f.get("plans")),
            _shown(f.get("success_rate"), "%"),
            _shown(f.get("latency_p50_s")),
            _shown(f.get("latency_p95_s")),
            _shown(f.get("peak_memory_mb")),
            health,
            _shown(r.wall_s),
            r.error or failed,
        )
    return table


def export(suite: SuiteResult, path: Path) -> None:
    path.write_text(json.dumps(suite.as_dict(), indent=2) + "\n", encoding="utf-8")
