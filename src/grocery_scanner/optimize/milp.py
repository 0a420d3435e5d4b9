"""The basket MILP on HiGHS.

Variables: x[o] (buy option o, binary), u[i] (item i left unbought, binary), y[s] (visit store s,
binary). Every item is bought exactly once or left unbought: sum x[o in i] + u[i] = 1. An option
needs its store: sum x[o in (i, s)] <= y[s]. At most max_stores stores outside the preferred ones.
Leaving an item unbought costs more than any basket, so it happens only when the limits allow no
store combination that carries it. Pack counts are fixed per option before the MILP: each option's
cheapest covering count (multi-buys included) does not depend on any other choice, so the MILP
stays exact with one binary per option.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np
from highspy._core import _Highs

from grocery_scanner.optimize.problem import BasketLimits, Candidate, Item, Strategy, quality_score

# HiGHS keeps one thread pool per process; a process forked after a solve inherits the pool without its
# threads and would wait for them forever (seen in the production scenarios' forked processes)
os.register_at_fork(after_in_child=lambda: highspy.Highs.resetGlobalScheduler(False))


@dataclass
class Layout:
    items: list[Item]
    options: list[tuple[int, int]]  # (item index, candidate index) per x column
    stores: list[str]

    @property
    def n_x(self) -> int:
        return len(self.options)

    def u(self, i: int) -> int:
        return self.n_x + i

    def y(self, s: int) -> int:
        return self.n_x + len(self.items) + s

    @property
    def n_cols(self) -> int:
        return self.n_x + len(self.items) + len(self.stores)


def layout(items: list[Item], limits: BasketLimits) -> Layout:
    """The columns: only options that could ever be chosen.

    At one store, an option that costs at least as much as another and is no better (in
    confidence and preferred brand) can never be part of an optimal basket under any strategy;
    when only cost matters, that leaves one option per item and store. Pinned options stay.
    """
    cost_only = limits.strategy is not Strategy.QUALITY
    options = []
    for i, item in enumerate(items):
        by_store: dict[str, list[int]] = {}
        for j, c in enumerate(item.candidates):
            if c.store_id not in limits.excluded_stores:
                by_store.setdefault(c.store_id, []).append(j)
        for js in by_store.values():
            for j in js:
                c = item.candidates[j]
                dominated = any(_dominates(item.candidates[k], c, cost_only, k < j) for k in js if k != j)
                if not dominated or c.option_id == item.pinned:
                    options.append((i, j))
    stores = sorted({items[i].candidates[j].store_id for i, j in options})
    return Layout(items, options, stores)


def _dominates(a: Candidate, b: Candidate, cost_only: bool, a_first: bool) -> bool:
    """Whether `a` makes `b` pointless; exact ties go to the earlier candidate."""
    if cost_only:
        return (a.cost, -a.confidence, not a_first) < (b.cost, -b.confidence, True)
    qa, qb = quality_score(a), quality_score(b)
    if a.cost == b.cost and qa == qb:
        return a_first
    return a.cost <= b.cost and qa >= qb


@dataclass
class Row:
    coefficients: dict[int, float]
    lower: float
    upper: float


def structural_rows(lay: Layout, limits: BasketLimits) -> list[Row]:
    rows = []
    by_item: dict[int, list[int]] = defaultdict(list)
    by_item_store: dict[tuple[int, str], list[int]] = defaultdict(list)
    for col, (i, j) in enumerate(lay.options):
        by_item[i].append(col)
        by_item_store[(i, lay.items[i].candidates[j].store_id)].append(col)
    for i in range(len(lay.items)):
        rows.append(Row({**dict.fromkeys(by_item[i], 1.0), lay.u(i): 1.0}, 1.0, 1.0))
    store_col = {s: lay.y(k) for k, s in enumerate(lay.stores)}
    for (_, store), cols in by_item_store.items():
        rows.append(Row({**dict.fromkeys(cols, 1.0), store_col[store]: -1.0}, -highspy.kHighsInf, 0.0))
    if limits.max_stores is not None:
        counted = {store_col[s]: 1.0 for s in lay.stores if s not in limits.preferred_stores}
        if counted:
            rows.append(Row(counted, -highspy.kHighsInf, float(limits.max_stores)))
    return rows


def solve(
    lay: Layout,
    objective: np.ndarray,
    rows: list[Row],
    fixed: dict[int, tuple[float, float]],
    integral_choices: bool = True,
) -> np.ndarray | None:
    """Minimise `objective` subject to `rows`; None when infeasible.

    With `integral_choices` off only the store visits y are binary. When cost alone decides which
    option an item takes, the best x for any binary y puts each item on its cheapest visited
    store, an integral vertex, so branching on the 20-odd store variables alone is exact and far
    faster than branching on thousands of option variables. (Equal-cost options may share an
    item fractionally; `solution()` keeps the larger share, which costs the same.)"""
    # the public highspy.Highs enables callbacks in its constructor, which prints the HiGHS banner to
    # stdout before any option can be set (HiGHS issue 2749); the core class does not
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-6)
    h.setOptionValue("presolve", "off")  # measured: presolve finds nothing to remove here and costs a third of the time
    n = lay.n_cols
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rows)
    lp.col_cost_ = objective.astype(float)
    lower, upper = np.zeros(n), np.ones(n)
    for col, (lo, hi) in fixed.items():
        lower[col], upper[col] = lo, hi
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_ = np.array([r.lower for r in rows], dtype=np.float64)
    lp.row_upper_ = np.array([r.upper for r in rows], dtype=np.float64)
    starts: list[int] = [0]
    indices: list[int] = []
    values: list[float] = []
    for r in rows:
        indices.extend(r.coefficients.keys())
        values.extend(r.coefficients.values())
        starts.append(len(indices))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(values, dtype=np.float64)
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(rows)
    if integral_choices:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    else:
        continuous, integer = highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger
        lp.integrality_ = [continuous] * (lay.n_x + len(lay.items)) + [integer] * len(lay.stores)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.array(h.getSolution().col_value)
