"""deploy/: the Prometheus rules pass promtool's checks and unit tests, and the Grafana dashboard and the
rules only name metrics the scanner exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from grocery_scanner.monitoring.metrics import Metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian package prometheus; .ci/run installs it)"
)


@needs_promtool
def test_the_alert_rules_pass_promtool_check_and_their_unit_tests() -> None:
    folder = DEPLOY / "prometheus"
    for command in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        done = subprocess.run([PROMTOOL, *command], cwd=folder, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SUCCESS" in done.stdout


def exported_names() -> set[str]:
    names = set()
    for line in Metrics().exposition().decode().splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            names.add(name)
            names.update({f"{name}_total", f"{name}_bucket", f"{name}_count", f"{name}_sum"} if kind != "gauge" else ())
    return names


def test_the_dashboard_and_the_rules_name_only_exported_metrics() -> None:
    exported = exported_names()
    dashboard = json.loads((DEPLOY / "grafana" / "dashboard.json").read_text())
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    expressions += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    named = {n for e in expressions for n in re.findall(r"\b((?:grocery|process)_[a-z_]+)", e)}
    assert named and named <= exported, named - exported
