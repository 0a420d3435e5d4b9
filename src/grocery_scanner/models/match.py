"""Matches: which store products can fill a shopping need, and at what cost."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from grocery_scanner.models.ingredient import Need
from grocery_scanner.models.offer import Offer, Quantity


class MatchStatus(StrEnum):
    MATCHED = "matched"
    NEEDS_REVIEW = "needs_review"
    UNAVAILABLE = "unavailable"
    PANTRY = "pantry"


class Option(BaseModel):
    """One way to buy a need: an offer, how many packages, what they cost, how sure we are."""

    store_id: str
    offer: Offer
    confidence: float = Field(ge=0, le=1)
    reasons: tuple[str, ...] = ()
    packs: int = Field(ge=1)
    cost: Decimal = Field(gt=0)
    covers: Quantity | None = None
    note: str | None = None


class Rejection(BaseModel):
    """A look-alike refused for a need: a product carrying the ingredient's name that is something else."""

    store_id: str
    product: str
    reason: str


class NeedMatch(BaseModel):
    need: Need
    status: MatchStatus
    options: list[Option] = Field(default_factory=list)  # acceptable, best first
    candidates: list[Option] = Field(default_factory=list)  # below the threshold, for review
    rejected: list[Rejection] = Field(default_factory=list)  # look-alikes refused, with the reason

    def best_per_store(self) -> dict[str, Option]:
        best: dict[str, Option] = {}
        for option in self.options:
            current = best.get(option.store_id)
            if current is None or (option.cost, -option.confidence) < (current.cost, -current.confidence):
                best[option.store_id] = option
        return best
