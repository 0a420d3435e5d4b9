"""The suite's own arithmetic: checks that fail when their figure misses or is missing, the busiest second,
what a breaker policy lets through, the generated workload."""

from __future__ import annotations

from grocery_scanner.prodtest.results import ScenarioResult, at_least, at_most
from grocery_scanner.prodtest.scenarios.failures import allowed_after_open
from grocery_scanner.prodtest.workload import INGREDIENTS, recipes
from grocery_scanner.reliability.policies import BreakerPolicy, RequestLimits
from grocery_scanner.simulator.server import busiest_second
from grocery_scanner.stores.profiles import StoreProfile


def test_a_check_fails_when_its_figure_misses_or_was_not_measured() -> None:
    assert at_least("success_rate", 0.95, 0.95, "sla").passed
    assert not at_least("success_rate", 0.94, 0.95, "sla").passed
    assert at_most("latency_p95_s", 60.0, 60.0, "sla").passed
    assert not at_most("latency_p95_s", 60.1, 60.0, "sla").passed
    assert not at_most("latency_p95_s", None, 60.0, "sla").passed
    missed = at_most("repeated_requests", 3, 0, "none asked again")
    result = ScenarioResult("x", "x", 1.0, {}, [at_least("a", 1, 1, "s"), missed], [])
    assert not result.passed and result.failed_checks == [missed]
    assert not ScenarioResult("x", "x", 1.0, {}, [], [], error="RuntimeError: boom").passed


def test_the_busiest_second_counts_arrivals_in_any_one_second_window() -> None:
    assert busiest_second([]) == 0
    assert busiest_second([0.0, 0.5, 0.99, 1.0, 1.5]) == 3  # [0, 1) holds three; so does [0.5, 1.5)
    assert busiest_second([5.0, 1.2, 1.0, 1.1, 9.0]) == 3


def test_a_breaker_lets_through_the_requests_on_their_way_then_its_probes() -> None:
    policy = BreakerPolicy(open_s=5, open_max_s=120, jitter=0.1, probes=2)
    store = StoreProfile(id="s", name="S", connector="voila", base_url="http://x", breaker=policy,
                         limits=RequestLimits(concurrency=4))  # fmt: skip
    assert allowed_after_open(store, 4.0) == 4  # still in its first open period (4.5 s at the shortest)
    assert allowed_after_open(store, 5.0) == 4 + 2  # one period over: its probes
    assert allowed_after_open(store, 4.5 + 9 + 18 + 1) == 4 + 2 * 3  # 4.5 + 9 + 18 s: three periods


def test_the_workload_is_the_same_for_the_same_seed_and_needs_no_file() -> None:
    lists = recipes(50, seed=1)
    assert lists == recipes(50, seed=1) and lists != recipes(50, seed=2)
    sizes = [text.count("\n- ") for text in lists]
    assert min(sizes) >= 1 and max(sizes) <= INGREDIENTS[1]
    assert len({line for t in lists for line in t.splitlines()[1:]}) < sum(sizes) / 2  # plans share items
