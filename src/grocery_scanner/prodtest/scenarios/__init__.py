"""The production scenarios, in the order the suite runs them."""

from __future__ import annotations

from grocery_scanner.prodtest.context import Scenario
from grocery_scanner.prodtest.scenarios.basic import basic_workflow
from grocery_scanner.prodtest.scenarios.cache import cache_performance
from grocery_scanner.prodtest.scenarios.endurance import ENDURANCE_S, endurance
from grocery_scanner.prodtest.scenarios.failures import DOWN, FAILURE_PLANS, store_failures
from grocery_scanner.prodtest.scenarios.load import LOAD_PLANS, STRESS_FACTOR, concurrent_load, high_stress
from grocery_scanner.prodtest.scenarios.quality import ANOMALY_RATE, data_quality
from grocery_scanner.prodtest.scenarios.recovery import CRASHES, error_recovery

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("basic_workflow", "one plan, every stage checked", basic_workflow),
        Scenario("concurrent_load", f"{LOAD_PLANS} plans at once", concurrent_load),
        Scenario("store_failures", f"{FAILURE_PLANS} plans with {' and '.join(DOWN)} down", store_failures),
        Scenario("high_stress", f"{STRESS_FACTOR * LOAD_PLANS} plans at once, memory bounded", high_stress),
        Scenario("error_recovery", f"a plan process killed {CRASHES} times mid-search, resumed", error_recovery),
        Scenario("cache_performance", "hit rate after warming, on a repeated workload", cache_performance),
        Scenario("data_quality", f"{ANOMALY_RATE:.0%} of one store's prices falsified", data_quality),
        Scenario("endurance", f"plans without pause for {ENDURANCE_S / 60:g} min", endurance),
    )
}
