"""Optimizer speed and its savings over a greedy basket, on random instances.

Sizes: 20, 50 and 100 ingredients x 5, 10 and 20 stores x max_stores 1..3, cheapest strategy.
Each store carries an ingredient with probability 0.95, in 1-3 products, at a price drawn around
the ingredient's base price times the store's level in the ingredient's department (10
departments) and per-product noise. Greedy baseline: the
cheapest store for each item, then drop the store whose loss costs least (its items move to their
cheapest remaining store) until the limit holds. savings_vs_greedy_pct compares totals on
instances where both plans buy the same number of items.
Last line: JSON {"sizes": [...], "worst_p95_ms": ...}.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from decimal import Decimal

from common import emit
from grocery_scanner.optimize.problem import BasketLimits, Candidate, Item
from grocery_scanner.optimize.solver import optimise

RUNS = 20
DEPARTMENTS = 10


def instance(rng: random.Random, n_items: int, n_stores: int) -> list[Item]:
    stores = [f"s{k}" for k in range(n_stores)]
    # like real stores, each is cheap in some departments and dear in others
    level = {(s, d): rng.uniform(0.85, 1.15) for s in stores for d in range(DEPARTMENTS)}
    items = []
    for i in range(n_items):
        base = rng.uniform(1.0, 15.0)
        department = rng.randrange(DEPARTMENTS)
        candidates = []
        for s in stores:
            if rng.random() < 0.95:
                for p in range(rng.randint(1, 3)):
                    price = base * level[(s, department)] * rng.uniform(0.9, 1.1)
                    candidates.append(Candidate(f"{i}-{s}-{p}", s, Decimal(f"{price:.2f}"), rng.uniform(0.6, 1)))
        if not candidates:
            candidates.append(Candidate(f"{i}-s0-0", "s0", Decimal(f"{base:.2f}")))
        items.append(Item(f"i{i}", tuple(candidates)))
    return items


def greedy(items: list[Item], max_stores: int) -> tuple[Decimal, int]:
    """(total, unbought) of the cheapest-store-per-item basket pruned to `max_stores` stores."""

    def cost_with(stores: set[str]) -> tuple[int, Decimal]:
        total, missing = Decimal(0), 0
        for item in items:
            prices = [c.cost for c in item.candidates if c.store_id in stores]
            if prices:
                total += min(prices)
            else:
                missing += 1
        return missing, total

    stores = {c.store_id for item in items for c in item.candidates}
    while len(stores) > max_stores:
        stores -= {min(stores, key=lambda s: cost_with(stores - {s}))}
    missing, total = cost_with(stores)
    return total, missing


def main() -> None:
    rng = random.Random(20261128)
    sizes, worst = [], 0.0
    for n_items in (20, 50, 100):
        for n_stores in (5, 10, 20):
            for max_stores in (1, 2, 3):
                times, savings = [], []
                for _ in range(RUNS):
                    items = instance(rng, n_items, n_stores)
                    started = time.perf_counter()
                    solution = optimise(items, BasketLimits(max_stores=max_stores))
                    times.append((time.perf_counter() - started) * 1000)
                    g_total, g_missing = greedy(items, max_stores)
                    if g_missing == len(solution.unbought) and g_total > 0:
                        savings.append(float((g_total - solution.total) / g_total * 100))
                p95 = statistics.quantiles(times, n=20)[-1]
                worst = max(worst, p95)
                row = {
                    "ingredients": n_items,
                    "stores": n_stores,
                    "max_stores": max_stores,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(p95, 1),
                    "savings_vs_greedy_pct": round(statistics.mean(savings), 2) if savings else None,
                }
                sizes.append(row)
                print(row, file=sys.stderr)
    emit({"sizes": sizes, "worst_p95_ms": round(worst, 1)})


if __name__ == "__main__":
    main()
