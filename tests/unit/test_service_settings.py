"""The service's settings: per-environment files over the base one, nested settings from the
environment, the deployment example valid, a wrong setting named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from grocery_scanner.errors import UserInputError
from grocery_scanner.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_environment_file_is_read_over_the_base_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "grocery-scanner.yaml"
    base.write_text("dlq_alert_threshold: 7\nservice:\n  rate_limit: 10/minute\n")
    (tmp_path / "grocery-scanner.staging.yaml").write_text("dlq_alert_threshold: 3\n")
    monkeypatch.setenv("GROCERY_CONFIG_FILE", str(base))
    assert load_settings().dlq_alert_threshold == 7
    monkeypatch.setenv("GROCERY_ENVIRONMENT", "staging")
    staged = load_settings()
    assert (staged.environment, staged.dlq_alert_threshold) == ("staging", 3)
    assert staged.service.rate_limit == "10/minute"  # what the environment's file leaves is the base's
    monkeypatch.setenv("GROCERY_SERVICE__MAX_CONCURRENT_PLANS", "2")
    monkeypatch.setenv("GROCERY_FEATURES__AB_COMPARISON", "true")
    nested = load_settings()
    assert nested.service.max_concurrent_plans == 2 and nested.features.ab_comparison


def test_the_production_example_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = ROOT / "deploy" / "service" / "grocery-scanner.production.yaml"
    monkeypatch.setenv("GROCERY_CONFIG_FILE", str(example.with_name("grocery-scanner.yaml")))  # absent: defaults
    monkeypatch.setenv("GROCERY_ENVIRONMENT", "production")
    settings = load_settings()
    assert settings.service.protect_writes and settings.store_set == "canada"


def test_a_wrong_nested_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROCERY_SERVICE__MAX_CONCURRENT_PLANS", "0")
    with pytest.raises(UserInputError, match=r"GROCERY_SERVICE__MAX_CONCURRENT_PLANS \(service.max_concurrent_plans\)"):
        load_settings()
