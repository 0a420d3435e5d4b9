"""The figures are measured, not written down: the simulator behaving differently changes them, and a
build with its circuit breaker switched off fails store_failures for what the stores received."""

from __future__ import annotations

import random

import pytest

from grocery_scanner.prodtest.suite import chosen, run_suite
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.faults import Faults

pytestmark = pytest.mark.prodtest

SLOWER_S = 1.0  # added to every answer of every demo store


def test_a_slower_simulator_shows_in_the_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    scenarios = chosen(["basic_workflow"])
    usual = run_suite(scenarios, 0.1, Settings())
    latency = Faults.latency_s

    def slower(self: Faults, rng: random.Random) -> float:
        return latency(self, rng) + SLOWER_S

    monkeypatch.setattr(Faults, "latency_s", slower)
    slow = run_suite(scenarios, 0.1, Settings())
    basic, slow_basic = usual.results[0].figures, slow.results[0].figures
    assert slow_basic["stage_s"]["search"] > basic["stage_s"]["search"] + SLOWER_S  # one answer waited at least
    assert slow_basic["latency_p50_s"] > basic["latency_p50_s"] + SLOWER_S


def test_without_the_circuit_breaker_store_failures_fails_for_the_requests_sent() -> None:
    layers = [layer for layer in Settings().fetch_layers if layer != "breaker"]
    suite = run_suite(chosen(["store_failures"]), 0.1, Settings(fetch_layers=layers))
    [result] = suite.results
    assert not result.passed and result.error is None
    failed = {c.name for c in result.failed_checks}
    assert "excess_requests_after_open" in failed
    received, allowed = result.figures["requests_after_open"], result.figures["allowed_after_open"]
    assert all(received[store] > 5 * allowed[store] for store in received)  # the stores down were not spared
