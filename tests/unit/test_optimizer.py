"""The basket MILP against brute force on small random instances, and its input checks."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grocery_scanner.optimize.problem import (
    BasketLimits,
    Candidate,
    Item,
    OptimizerInputError,
    Strategy,
    parse_budget,
    quality_score,
)
from grocery_scanner.optimize.solver import optimise

STORES = ["a", "b", "c", "d"]


@st.composite
def instances(draw):
    n_items = draw(st.integers(1, 6))
    n_stores = draw(st.integers(1, 4))
    per_store = 2 if n_items <= 4 else 1  # two products at one store exercise the dominance pruning
    items = []
    for i in range(n_items):
        candidates = []
        for s in STORES[:n_stores]:
            wanted = draw(st.integers(0, per_store))
            if not wanted and not candidates and s == STORES[n_stores - 1]:
                wanted = 1
            for k in range(wanted):
                cents = draw(st.integers(50, 2000))
                confidence = draw(st.sampled_from([0.6, 0.75, 0.9, 1.0]))
                brand = draw(st.booleans())
                candidates.append(Candidate(f"{i}{s}{k}", s, Decimal(cents) / 100, confidence, brand))
        items.append(Item(f"item{i}", tuple(candidates)))
    limits = BasketLimits(
        strategy=draw(st.sampled_from(list(Strategy))),
        max_stores=draw(st.one_of(st.none(), st.integers(1, 3))),
        budget=draw(st.one_of(st.none(), st.integers(100, 6000).map(lambda c: Decimal(c) / 100))),
        preferred_stores=frozenset(draw(st.sets(st.sampled_from(STORES[:n_stores]), max_size=1))),
        excluded_stores=frozenset(draw(st.sets(st.sampled_from(STORES[:n_stores]), max_size=1))),
        visit_cost=Decimal(draw(st.integers(0, 800))) / 100,
    )
    return items, limits


def brute_force(items: list[Item], limits: BasketLimits):
    """Every assignment (each item: one allowed candidate or unbought), ranked as the strategy says."""
    choices = [[c for c in it.candidates if c.store_id not in limits.excluded_stores] + [None] for it in items]
    feasible = []
    for combo in itertools.product(*choices):
        stores = {c.store_id for c in combo if c}
        counted = stores - limits.preferred_stores
        if limits.max_stores is not None and len(counted) > limits.max_stores:
            continue
        cost = sum((c.cost for c in combo if c), Decimal(0))
        unbought = sum(c is None for c in combo)
        quality = sum(quality_score(c) for c in combo if c)
        feasible.append((combo, cost, unbought, len(counted), quality))
    least_unbought = min(f[2] for f in feasible)
    full = [f for f in feasible if f[2] == least_unbought]

    def rank(pool):
        if limits.strategy is Strategy.CHEAPEST:
            return min(f[1] for f in pool), None
        if limits.strategy is Strategy.BALANCED:
            return min(f[1] + limits.visit_cost * f[3] for f in pool), None
        if limits.strategy is Strategy.FEWEST_STORES:
            fewest = min(f[3] for f in pool)
            return min(f[1] for f in pool if f[3] == fewest), fewest
        cap = min(f[1] for f in pool) * (1 + Decimal(str(limits.quality_slack_pct)) / 100)
        within = [f for f in pool if f[1] <= cap]
        best = max(f[4] for f in within)
        return best, min(f[1] for f in within if f[4] == best)

    if limits.budget is not None:
        under = [f for f in full if f[1] <= limits.budget]
        if under:
            return rank(under), least_unbought, True
        return (min(f[1] for f in full), None), least_unbought, False
    return rank(full), least_unbought, True


@settings(max_examples=150, deadline=None)
@given(instances())
def test_optimizer_matches_brute_force(instance) -> None:
    items, limits = instance
    solution = optimise(items, limits)
    (target, secondary), least_unbought, budget_met = brute_force(items, limits)
    assert len(solution.unbought) == least_unbought
    assert solution.budget_met is budget_met
    # constraints hold
    chosen_stores = {c.store_id for c in solution.chosen.values()}
    assert not chosen_stores & limits.excluded_stores
    if limits.max_stores is not None:
        assert len(chosen_stores - limits.preferred_stores) <= limits.max_stores
    assert set(solution.chosen) | set(solution.unbought) == {it.key for it in items}
    assert not set(solution.chosen) & set(solution.unbought)
    for key, candidate in solution.chosen.items():
        assert candidate in next(it.candidates for it in items if it.key == key)
    assert solution.total == sum((c.cost for c in solution.chosen.values()), Decimal(0))
    counted = len(chosen_stores - limits.preferred_stores)
    if not budget_met:  # the cheapest plan, and how far over the budget it is
        assert solution.total == target
        assert solution.over_budget == solution.total - limits.budget
        dropped = sum(solution.chosen[k].cost for k in solution.drop_to_meet_budget)
        assert solution.total - dropped <= limits.budget
        return
    if limits.budget is not None:
        assert solution.total <= limits.budget
    if limits.strategy is Strategy.CHEAPEST:
        assert solution.total == target
    elif limits.strategy is Strategy.BALANCED:
        assert solution.total + limits.visit_cost * counted == target
    elif limits.strategy is Strategy.FEWEST_STORES:
        assert (counted, solution.total) == (secondary, target)
    else:
        quality = sum(quality_score(c) for c in solution.chosen.values())
        assert (quality, solution.total) == (target, secondary)


def _items() -> list[Item]:
    return [
        Item("milk", (Candidate("m1", "a", Decimal("3.00")), Candidate("m2", "b", Decimal("2.50")))),
        Item("eggs", (Candidate("e1", "a", Decimal("4.00")), Candidate("e2", "c", Decimal("3.00")))),
        Item("flour", (Candidate("f1", "b", Decimal("5.00")),)),
    ]


def test_store_limit_leaves_out_what_no_single_store_carries() -> None:
    solution = optimise(_items(), BasketLimits(max_stores=1))
    assert solution.stores == ["a"] and solution.unbought == ["flour"] and solution.total == Decimal("7.00")


def test_pinned_products_and_preferred_stores() -> None:
    items = _items()
    items[0] = Item("milk", items[0].candidates, pinned="m1")
    solution = optimise(items, BasketLimits())
    assert solution.chosen["milk"].option_id == "m1"
    free_store = optimise(_items(), BasketLimits(max_stores=1, preferred_stores=frozenset({"b"})))
    assert not free_store.unbought  # b is visited anyway, so one more store is allowed


def test_budget_that_cannot_be_met() -> None:
    solution = optimise(_items(), BasketLimits(budget=Decimal("6.00")))
    assert not solution.budget_met and solution.total == Decimal("10.50")
    assert solution.over_budget == Decimal("4.50") and solution.drop_to_meet_budget == ["flour"]


@pytest.mark.parametrize(
    ("items", "limits", "field"),
    [
        ([], BasketLimits(), "items: empty"),
        ([Item("milk", ())], BasketLimits(), "items[0].candidates"),
        ([Item("milk", (Candidate("m", "a", Decimal("-1")),))], BasketLimits(), "items[0].candidates[0].cost"),
        ([Item("milk", (Candidate("m", "a", Decimal("0")),))], BasketLimits(), "items[0].candidates[0].cost"),
        (_items(), BasketLimits(max_stores=0), "max_stores"),
        (_items(), BasketLimits(budget=Decimal("-5")), "budget"),
    ],
)
def test_bad_input_names_the_field(items, limits, field: str) -> None:
    with pytest.raises(OptimizerInputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        optimise(items, limits)


@pytest.mark.parametrize("text", ["abc", "12,50 dollars", "-3", "0", "nan"])
def test_budget_text_must_be_a_positive_number(text: str) -> None:
    with pytest.raises(OptimizerInputError, match="budget"):
        parse_budget(text)
    assert parse_budget("$45.50") == Decimal("45.50")


def test_a_process_forked_after_a_solve_can_solve() -> None:
    """HiGHS' thread pool does not survive a fork: the child resets it (optimize/milp.py) instead of
    waiting forever for threads it does not have."""
    import multiprocessing

    _solve_a_basket()
    child = multiprocessing.get_context("fork").Process(target=_solve_a_basket)
    child.start()
    child.join(timeout=30)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and child.exitcode == 0


def _solve_a_basket() -> None:
    """A basket big enough for HiGHS' MIP search to use its thread pool: 40 items at 6 stores, 2 visits."""
    items = [
        Item(f"item{i}", tuple(Candidate(f"o{i}-{s}", f"s{s}", Decimal(1 + (i * 7 + s * 13) % 23)) for s in range(6)))
        for i in range(40)
    ]
    assert optimise(items, BasketLimits(strategy=Strategy.CHEAPEST, max_stores=2)).stores
