"""How many packages of a product cover what a recipe needs, and what they cost."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from grocery_scanner.ingest.units import ITEMS_PER_BUNCH, convert, lookup
from grocery_scanner.models import Need, Offer, Quantity, Unit
from grocery_scanner.models.offer import money


@dataclass(frozen=True)
class PackPlan:
    packs: int
    cost: Decimal
    covers: Quantity | None
    note: str | None = None


def packs_needed(need: Need, offer: Offer) -> tuple[int, str | None]:
    size = offer.product.size
    if need.packages and need.quantity is not None:
        return max(1, math.ceil(need.quantity.amount - 1e-9)), None
    if need.quantity is None:
        return 1, "no amount given: one package"
    if size is None:
        return 1, "package size unknown: one package"
    total = size.total
    if need.quantity.unit is Unit.EA and total.unit is Unit.EA and (per_bunch := lookup(ITEMS_PER_BUNCH, need.name)):
        return max(1, math.ceil(need.quantity.amount / (per_bunch * total.amount) - 1e-9)), None
    wanted = convert(need.quantity, total.unit, need.name)
    if wanted is None:
        inverse = convert(total, need.quantity.unit, need.name)
        if inverse is None:
            return 1, f"cannot compare {need.quantity} with {total}: one package"
        return max(1, math.ceil(need.quantity.amount / inverse.amount - 1e-9)), None
    return max(1, math.ceil(wanted.amount / total.amount - 1e-9)), None


def cost_of(offer: Offer, packs: int) -> tuple[int, Decimal]:
    """(packages bought, cost): a multi-buy is used, even rounding up, when it costs less."""
    assert offer.price is not None
    best = (packs, money(offer.price * packs))
    deal = offer.multi_buy
    if deal is not None:
        if packs >= deal.quantity:
            mixed = money((packs // deal.quantity) * deal.total + (packs % deal.quantity) * offer.price)
            best = min(best, (packs, mixed), key=lambda x: x[1])
        rounded = math.ceil(packs / deal.quantity) * deal.quantity
        rounded_cost = money(rounded // deal.quantity * deal.total)
        if rounded_cost < best[1]:
            best = (rounded, rounded_cost)
    return best


def plan_packs(need: Need, offer: Offer) -> PackPlan:
    packs, note = packs_needed(need, offer)
    bought, cost = cost_of(offer, packs)
    covers = offer.product.size.total if offer.product.size else None
    if covers is not None:
        covers = Quantity(amount=round(covers.amount * bought, 3), unit=covers.unit)
    if bought > packs:
        note = f"{bought} for the {offer.multi_buy.quantity}-for-${offer.multi_buy.total} deal"  # type: ignore[union-attr]
    return PackPlan(bought, cost, covers, note)
