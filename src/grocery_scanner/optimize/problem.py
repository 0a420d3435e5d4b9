"""What the optimizer is given and what it returns, validated at the boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from grocery_scanner.errors import UserInputError

# what one more store visit costs a shopper (time, travel), as the balanced strategy counts it
VISIT_COST = Decimal("4.00")


class Strategy(StrEnum):
    CHEAPEST = "cheapest"
    FEWEST_STORES = "fewest-stores"
    BALANCED = "balanced"
    QUALITY = "quality"


class OptimizerInputError(UserInputError):
    """An optimizer input is invalid; the message names the field."""


@dataclass(frozen=True)
class Candidate:
    """One way to buy an item: `cost` covers the whole need (pack count already chosen)."""

    option_id: str
    store_id: str
    cost: Decimal
    confidence: float = 1.0
    preferred_brand: bool = False


BRAND_BONUS = 0.1  # in the quality strategy a preferred brand counts like this much extra confidence


def quality_score(candidate: Candidate) -> int:
    """What the quality strategy maximises, per option, as an integer (thousandths)."""
    return round(1000 * (candidate.confidence + (BRAND_BONUS if candidate.preferred_brand else 0.0)))


@dataclass(frozen=True)
class Item:
    key: str
    candidates: tuple[Candidate, ...]
    pinned: str | None = None  # option_id the user insists on


@dataclass(frozen=True)
class BasketLimits:
    strategy: Strategy = Strategy.CHEAPEST
    max_stores: int | None = None
    budget: Decimal | None = None
    preferred_stores: frozenset[str] = frozenset()  # visited anyway: free, and not counted in max_stores
    excluded_stores: frozenset[str] = frozenset()
    visit_cost: Decimal = VISIT_COST  # balanced: what one more store visit is worth to you
    quality_slack_pct: float = 10.0  # quality: how much above the cheapest cost you accept


@dataclass
class Solution:
    chosen: dict[str, Candidate]  # item key -> candidate bought
    unbought: list[str]  # items no allowed combination of stores could cover
    total: Decimal
    stores: list[str]
    budget_met: bool = True
    over_budget: Decimal = Decimal(0)
    drop_to_meet_budget: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_budget(value: object) -> Decimal | None:
    """A budget from user input: a positive amount of dollars, or None."""
    if value is None or value == "":
        return None
    try:
        budget = Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation:
        raise OptimizerInputError(f"budget: {value!r} is not a number") from None
    if not budget.is_finite() or budget <= 0:
        raise OptimizerInputError(f"budget: must be a positive amount, got {value!r}")
    return budget


def parse_visit_cost(value: object) -> Decimal:
    """What one store visit is worth, from user input: zero or more dollars, at most $1,000."""
    try:
        cost = Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation:
        raise OptimizerInputError(f"--visit-cost: {value!r} is not a number") from None
    if not cost.is_finite() or not 0 <= cost <= 1000:
        raise OptimizerInputError(f"--visit-cost: must be between $0 and $1,000, got {value!r}")
    return cost


def validate(items: list[Item], limits: BasketLimits) -> None:
    if not items:
        raise OptimizerInputError("items: empty: there is nothing to plan")
    keys = set()
    for i, item in enumerate(items):
        if item.key in keys:
            raise OptimizerInputError(f"items[{i}].key: {item.key!r} appears twice")
        keys.add(item.key)
        if not item.candidates:
            raise OptimizerInputError(f"items[{i}].candidates: empty for {item.key!r} (list it as unavailable instead)")
        for j, c in enumerate(item.candidates):
            if not isinstance(c.cost, Decimal) or not c.cost.is_finite() or c.cost <= 0:
                raise OptimizerInputError(f"items[{i}].candidates[{j}].cost: must be a positive price, got {c.cost}")
            if not 0 <= c.confidence <= 1:
                raise OptimizerInputError(f"items[{i}].candidates[{j}].confidence: must be within 0..1")
    if limits.max_stores is not None and (not isinstance(limits.max_stores, int) or limits.max_stores < 1):
        raise OptimizerInputError(f"max_stores: must be a whole number of at least 1, got {limits.max_stores!r}")
    if limits.budget is not None and (not isinstance(limits.budget, Decimal) or limits.budget <= 0):
        raise OptimizerInputError(f"budget: must be a positive amount, got {limits.budget!r}")
    if limits.visit_cost < 0:
        raise OptimizerInputError("visit_cost: must not be negative")
    if limits.quality_slack_pct < 0:
        raise OptimizerInputError("quality_slack_pct: must not be negative")
