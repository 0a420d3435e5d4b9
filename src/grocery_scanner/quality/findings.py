"""What the quality gate says about one offer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    INCOMPLETE = "incomplete"  # a field the comparison needs is missing
    NOT_FINITE = "not_finite"  # NaN or infinite number
    OUT_OF_RANGE = "out_of_range"  # a price no grocery shelf carries
    CURRENCY = "currency"  # not the currency plans are priced in
    ABSURD_SIZE = "absurd_size"
    SALE_ABOVE_REGULAR = "sale_above_regular"
    DEEP_DISCOUNT = "deep_discount"  # a "sale" price far below the regular one: a misread field
    CENTS_AS_DOLLARS = "cents_as_dollars"  # price 100x what the store's own unit price says
    DECIMAL_SHIFT = "decimal_shift"  # price 10x what the store's own unit price says
    PER_KG_AS_PRICE = "per_kg_as_price"  # the unit price was read as the package price
    UNIT_PRICE_MISMATCH = "unit_price_mismatch"  # price, pack size and the store's unit price disagree
    UNIT_PRICE_RECOMPUTED = "unit_price_recomputed"  # the store's unit price was wrong; ours is used
    HISTORY_OUTLIER = "history_outlier"  # far from the product's own price history
    PEER_OUTLIER = "peer_outlier"  # far from the same product class at other stores and brands


class Action(StrEnum):
    FLAGGED = "flagged"  # used, with a lower quality score
    REMEDIED = "remedied"  # corrected with certainty, used
    QUARANTINED = "quarantined"  # kept, never used by the optimizer until released


@dataclass(frozen=True)
class Finding:
    kind: Kind
    action: Action
    detail: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
