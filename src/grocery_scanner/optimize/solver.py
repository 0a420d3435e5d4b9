"""The four strategies as one or two exact MILP solves, and the budget rule.

cheapest: least cost. balanced: cost plus `visit_cost` per store visited. fewest-stores: fewest
stores, then least cost. quality: highest total match confidence (preferred brands count extra)
within `quality_slack_pct` of the cheapest cost. Every strategy first covers as many items as
the store limits allow. A budget that cannot be met returns the cheapest plan, how far over it is,
and the fewest lines whose removal would meet it.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from grocery_scanner.optimize.milp import Layout, Row, layout, solve, structural_rows
from grocery_scanner.optimize.problem import BasketLimits, Candidate, Item, Solution, Strategy, quality_score, validate

CENTS = Decimal(100)


def _costs(lay: Layout) -> np.ndarray:
    return np.array([float(lay.items[i].candidates[j].cost * CENTS) for i, j in lay.options])


def _pins(lay: Layout) -> tuple[dict[int, tuple[float, float]], list[str]]:
    fixed: dict[int, tuple[float, float]] = {}
    notes = []
    for i, item in enumerate(lay.items):
        if item.pinned is None:
            continue
        cols = [col for col, (ii, j) in enumerate(lay.options) if ii == i]
        pinned = [col for col in cols if item.candidates[lay.options[col][1]].option_id == item.pinned]
        if not pinned:
            notes.append(f"{item.key}: the pinned product is not on offer at an allowed store; chose freely")
            continue
        for col in cols:
            fixed[col] = (1.0, 1.0) if col == pinned[0] else (0.0, 0.0)
    return fixed, notes


class _Model:
    def __init__(self, items: list[Item], limits: BasketLimits) -> None:
        self.limits = limits
        self.lay = layout(items, limits)
        self.rows = structural_rows(self.lay, limits)
        self.fixed, self.notes = _pins(self.lay)
        self.cost = _costs(self.lay)
        # leaving an item unbought must cost more than any whole basket, visits included
        basket = sum(max(c.cost for c in it.candidates) for it in items) + limits.visit_cost * len(self.lay.stores)
        self.unbought_penalty = float(basket * CENTS) + 1.0
        counted = [s not in limits.preferred_stores for s in self.lay.stores]
        self.visits = np.array(counted, dtype=float)

    def vector(self, x: np.ndarray | None = None, u: float = 0.0, y: np.ndarray | None = None) -> np.ndarray:
        lay = self.lay
        return np.concatenate(
            [
                x if x is not None else np.zeros(lay.n_x),
                np.full(len(lay.items), u),
                y if y is not None else np.zeros(len(lay.stores)),
            ]
        )

    def unbought_row(self, at_most: int) -> Row:
        return Row({self.lay.u(i): 1.0 for i in range(len(self.lay.items))}, 0.0, float(at_most))

    def cost_row(self, at_most_cents: float) -> Row:
        return Row({col: self.cost[col] for col in range(self.lay.n_x)}, 0.0, at_most_cents)

    def visits_row(self, at_most: int) -> Row:
        return Row({self.lay.y(s): 1.0 for s, v in enumerate(self.visits) if v}, 0.0, float(at_most))

    def run(
        self, objective: np.ndarray, extra: list[Row] | None = None, cost_decides: bool = True
    ) -> np.ndarray | None:
        values = solve(self.lay, objective, self.rows + (extra or []), self.fixed, integral_choices=not cost_decides)
        return None if values is None else self._integral(values)

    def _integral(self, values: np.ndarray) -> np.ndarray:
        """Each item on its largest share (only equal-cost options can share an item)."""
        lay = self.lay
        out = values.copy()
        best: dict[int, tuple[float, int]] = {}
        for col, (i, _) in enumerate(lay.options):
            if values[col] > best.get(i, (0.0, -1))[0] + 1e-9:
                best[i] = (values[col], col)
        out[: lay.n_x] = 0.0
        for i in range(len(lay.items)):
            share, col = best.get(i, (0.0, -1))
            bought = share > 1e-6 and values[lay.u(i)] < 0.5
            if bought:
                out[col] = 1.0
            out[lay.u(i)] = 0.0 if bought else 1.0
        out[lay.y(0) :] = np.round(values[lay.y(0) :])
        return out

    def solution(self, values: np.ndarray) -> Solution:
        lay = self.lay
        chosen: dict[str, Candidate] = {}
        for col, (i, j) in enumerate(lay.options):
            if values[col] > 0.5:
                chosen[lay.items[i].key] = lay.items[i].candidates[j]
        unbought = [item.key for i, item in enumerate(lay.items) if values[lay.u(i)] > 0.5]
        total = sum((c.cost for c in chosen.values()), Decimal(0))
        stores = sorted({c.store_id for c in chosen.values()})
        return Solution(chosen=chosen, unbought=unbought, total=total, stores=stores, notes=list(self.notes))

    def unbought_count(self, values: np.ndarray) -> int:
        return round(sum(values[self.lay.u(i)] for i in range(len(self.lay.items))))


def _solve_strategy(model: _Model, extra: list[Row]) -> np.ndarray | None:
    limits = model.limits
    cheapest = model.vector(model.cost, model.unbought_penalty)
    if limits.strategy is Strategy.CHEAPEST:
        return model.run(cheapest, extra)
    if limits.strategy is Strategy.BALANCED:
        visit = float(limits.visit_cost * CENTS)
        return model.run(model.vector(model.cost, model.unbought_penalty, model.visits * visit), extra)
    if limits.strategy is Strategy.FEWEST_STORES:
        first = model.run(model.vector(u=len(model.lay.stores) + 1.0, y=model.visits), extra)
        if first is None:
            return None
        visits = round(float(np.dot(first[model.lay.y(0) : model.lay.y(0) + len(model.visits)], model.visits)))
        bound = [model.unbought_row(model.unbought_count(first)), model.visits_row(visits)]
        return model.run(cheapest, extra + bound)
    # quality: the cheapest cost first, then the best confidence within the slack
    first = model.run(cheapest, extra)
    if first is None:
        return None
    cheapest_cents = float(np.dot(first[: model.lay.n_x], model.cost))
    cap = cheapest_cents * (1 + limits.quality_slack_pct / 100) + 0.5
    quality = np.array([quality_score(model.lay.items[i].candidates[j]) for i, j in model.lay.options], dtype=float)
    tie_break = model.cost / (float(model.cost.sum()) + 1.0)  # among equal quality, the cheaper
    bound = [model.unbought_row(model.unbought_count(first)), model.cost_row(cap)]
    return model.run(model.vector(-quality + tie_break), extra + bound, cost_decides=False)


def optimise(items: list[Item], limits: BasketLimits) -> Solution:
    validate(items, limits)
    model = _Model(items, limits)
    free = _solve_strategy(model, [])
    if free is None:  # cannot happen: leaving items unbought is always feasible
        raise RuntimeError("the basket model has no solution")
    if limits.budget is None:
        return model.solution(free)
    budget_cents = float(limits.budget * CENTS) + 1e-6
    within = _solve_strategy(model, [model.unbought_row(model.unbought_count(free)), model.cost_row(budget_cents)])
    if within is not None:
        return model.solution(within)
    cheapest_limits = BasketLimits(**{**limits.__dict__, "strategy": Strategy.CHEAPEST, "budget": None})
    fallback = _Model(items, cheapest_limits)
    result = fallback.solution(fallback.run(fallback.vector(fallback.cost, fallback.unbought_penalty)))  # type: ignore[arg-type]
    result.budget_met = False
    result.over_budget = result.total - limits.budget
    remaining, drop = result.total, []
    for key, candidate in sorted(result.chosen.items(), key=lambda kv: kv[1].cost, reverse=True):
        if remaining <= limits.budget:
            break
        drop.append(key)
        remaining -= candidate.cost
    result.drop_to_meet_budget = drop
    result.notes.append(f"over budget by ${result.over_budget}: the cheapest plan is shown")
    return result
