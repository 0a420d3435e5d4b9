"""The plans the scenarios make: shopping lists drawn from the demo catalog's own assortment, so the
suite needs no file of the repository and every line has products to match at the demo stores.

Ingredients are drawn with Zipf weights from a fixed pool of common items, the way real plans repeat
milk and eggs far more often than saffron: plans share searches, as a service's users do."""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import count, islice

from grocery_scanner.models.offer import Unit
from grocery_scanner.simulator.catalog import BaseItem, base_items

POOL = 60  # the common items plans draw from
ZIPF_S = 1.1
INGREDIENTS = (4, 8)  # per plan, at least and at most
POOL_SEED = 20261129  # which items are common: fixed, so runs are comparable


def _line(item: BaseItem) -> str:
    """An ingredient line for one package of the item's first size: "500 g plain greek yogurt"."""
    size = item.sizes[0].total
    if size.unit is Unit.EA:
        return f"{size.amount:g} {item.name.lower()}"
    return f"{size.amount:g} {size.unit.value} {item.name.lower()}"


def _pool() -> list[str]:
    items = list(base_items())
    random.Random(POOL_SEED).shuffle(items)
    return [_line(item) for item in items[:POOL]]


def recipes(plans: int, seed: int) -> list[str]:
    """`plans` shopping lists as recipe texts; the same seed gives the same lists."""
    return list(islice(recipe_stream(seed), plans))


def recipe_stream(seed: int) -> Iterator[str]:
    """Shopping lists without end (for a load that lasts a time, not a count)."""
    pool = _pool()
    weights = [1 / rank**ZIPF_S for rank in range(1, len(pool) + 1)]
    rng = random.Random(seed)
    for number in count(1):
        drawn = rng.choices(pool, weights, k=rng.randint(*INGREDIENTS))
        yield f"# Shopping list {number}\n" + "\n".join(f"- {line}" for line in dict.fromkeys(drawn))
