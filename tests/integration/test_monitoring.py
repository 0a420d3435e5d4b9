"""Metrics and the health score, measured for real: the simulator over HTTP, a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from grocery_scanner.monitoring.health_score import assess_health
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings, config_dir
from grocery_scanner.simulator.faults import Faults
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
QUIET = {"latency_ms_median": 0, "latency_ms_p95": 0}


def samples(services: Services) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = services.metrics.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_change_as_a_stores_faults_are_switched_on_and_off(simulator, live_profiles) -> None:
    settings = Settings(max_pages=1, fetch_layers=["retry", "breaker", "metrics", "status", "pacing"])
    services = Services(settings)
    base = live_profiles["harbour-foods"]
    profile = base.model_copy(update={"retry": base.retry.model_copy(update={"attempts": 1})})
    ok = ("grocery_requests_total", (("outcome", "ok"), ("store", "harbour-foods")))
    failed = ("grocery_requests_total", (("outcome", "ServerError"), ("store", "harbour-foods")))
    async with services.store_client() as client:
        await client.search(profile, "rice")
        assert samples(services)[ok] == 1 and failed not in samples(services)
        simulator.set_faults("harbour-foods", Faults(**QUIET, error_rates={503: 1.0}))
        for query in ("beans", "flour", "milk"):
            assert (await client.search(profile, query)).error is not None
        assert samples(services)[failed] == 3 and samples(services)[ok] == 1
        simulator.set_faults("harbour-foods", Faults(**QUIET))
        await client.search(profile, "sugar")
        after = samples(services)
        assert after[ok] == 2 and after[failed] == 3
        count = ("grocery_request_duration_seconds_count", (("store", "harbour-foods"),))
        assert after[count] == 5
        assert ("grocery_breaker_state", (("store", "harbour-foods"),)) in after  # read from the live breaker
        assert any(name == "process_resident_memory_bytes" for name, _ in after)


def _failing_set(path: Path) -> Path:
    data = yaml.safe_load((config_dir() / "stores" / "demo.yaml").read_text(encoding="utf-8"))
    store = next(s for s in data["stores"] if s["id"] == "harbour-foods")
    store["simulator"]["faults"] = {**QUIET, "error_rates": {503: 1.0}}
    store["retry"] = {"attempts": 1}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


async def test_a_fresh_idle_system_is_healthy_and_a_failing_store_makes_it_degraded(tmp_path, line_parser) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_pages=1)
    db = await Database.open(database_url(settings))
    try:
        fresh = await assess_health(settings, db)
        assert fresh.status == "healthy" and fresh.score == 100
        assert {c.name: c.status for c in fresh.components}["sla"] == "not measured"
        request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")], store_set=str(_failing_set(tmp_path / "s.yaml")))
        services = Services(settings, line_parser=line_parser)
        await run_plan(request, services, db)
        after = await assess_health(settings.model_copy(update={"store_set": request.store_set}), db)
    finally:
        await db.close()
    stores = next(c for c in after.components if c.name == "stores")
    assert stores.figures["harbour-foods"]["status"] == "unhealthy" and stores.score == 75
    assert after.score < fresh.score and after.status == "degraded"
    sla = next(c for c in after.components if c.name == "sla")  # now there is a run to judge by
    assert sla.score is not None and sla.figures["plan_p95_s"]["compliant"] is True
    assert sla.figures["success_rate"]["value"] == 1.0 and sla.figures["plan_p95_s"]["samples"] == 1
    backlog = next(c for c in after.components if c.name == "backlog")
    assert backlog.figures["dead_letters"] > 0  # what failed waits in the queue
    metrics = dict(samples(services))
    assert metrics[("grocery_workflows_total", (("kind", "plan"), ("outcome", "succeeded")))] == 1


def test_health_check_exit_codes_and_the_original_wrapper(tmp_path: Path) -> None:
    env = {**os.environ, "GROCERY_DATA_DIR": str(tmp_path)}
    check = subprocess.run(
        [sys.executable, "-m", "grocery_scanner", "health", "check", "-f", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert '"status": "healthy"' in check.stdout
    root = Path(__file__).resolve().parents[2]
    export = tmp_path / "report.json"
    wrapped = subprocess.run(
        [sys.executable, str(root / "production_health_monitor.py"), "--mode", "export", "--export-file", str(export)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert wrapped.returncode == 0, wrapped.stderr
    assert '"score": 100.0' in export.read_text()


def test_plan_profile_writes_a_profile_standard_viewers_open(tmp_path: Path) -> None:
    import pstats

    env = {**os.environ, "GROCERY_DATA_DIR": str(tmp_path)}
    profile = tmp_path / "plan.prof"
    done = subprocess.run(
        [sys.executable, "-m", "grocery_scanner", "plan", str(EXAMPLES / "pancakes.txt"), "--profile", str(profile),
         "-f", "json", "-o", str(tmp_path / "plan.json")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stats = pstats.Stats(str(profile))
    assert any("plan_run.py" in file for file, _, _ in stats.stats)  # type: ignore[attr-defined]
