"""The quick profile: every scenario at --duration-scale 0.1 through the real command, its JSON export
holding what each scenario measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grocery_scanner.prodtest.scenarios import SCENARIOS
from tests.prodtest.conftest import run

pytestmark = pytest.mark.prodtest

MEASURED = ("success_rate", "latency_p50_s", "latency_p95_s", "peak_memory_mb", "health_before", "health_after")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_every_scenario_passes_at_a_tenth_and_exports_its_figures(tmp_path: Path) -> None:
    export = tmp_path / "results.json"
    done = run("--duration-scale", "0.1", "--export", str(export))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "8 of 8 passed" in done.stdout
    results = json.loads(export.read_text(encoding="utf-8"))
    assert results["passed"] is True and results["duration_scale"] == 0.1
    assert [s["name"] for s in results["scenarios"]] == list(SCENARIOS)
    for scenario in results["scenarios"]:
        name, figures = scenario["name"], scenario["figures"]
        assert scenario["passed"] and scenario["error"] is None, name
        assert all(_number(figures[key]) for key in MEASURED), (name, figures)
        assert scenario["checks"] and all(c["passed"] and _number(c["value"]) for c in scenario["checks"]), name
        assert {c["name"] for c in scenario["checks"]} >= {"peak_memory_mb", "success_rate"}, name
    concurrent = next(s for s in results["scenarios"] if s["name"] == "concurrent_load")
    assert concurrent["figures"]["max_in_flight"] == concurrent["figures"]["plans"] == 10
    assert any("scaled down from 100" in note for note in concurrent["notes"])
