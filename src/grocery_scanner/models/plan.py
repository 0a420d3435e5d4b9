"""The shopping plan: what to buy at which store, the totals, and what could not be bought."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class PlanLine(BaseModel):
    ingredient: str
    store_id: str
    store_name: str
    product: str
    brand: str | None = None
    sku: str
    size: str | None = None
    packs: int
    price: Decimal  # one package
    unit_price: Decimal | None = None
    unit: str | None = None
    line_cost: Decimal
    sale: bool = False
    multi_buy: str | None = None
    observed_at: datetime
    tier: str = "live"  # "alternative": from the store's other source (flyer); "stale": its last known price
    source_format: str
    confidence: float
    note: str | None = None
    quality: float | None = None  # the quality gate's score of the offer bought, 0 to 1
    quality_warning: str | None = None  # set when that score is low: why


class StorePlan(BaseModel):
    store_id: str
    store_name: str
    lines: list[PlanLine]
    total: Decimal
    why: str


class SkippedItem(BaseModel):
    ingredient: str
    reason: str
    candidates: list[str] = Field(default_factory=list)


class SetAside(BaseModel):
    """An offer the quality gate quarantined: found, but not used by the plan."""

    store_id: str
    store_name: str
    product: str
    price: str | None
    reason: str


class Plan(BaseModel):
    strategy: str
    max_stores: int | None = None
    budget: Decimal | None = None
    stores: list[StorePlan]
    total: Decimal
    best_single_store: str | None = None
    best_single_store_total: Decimal | None = None
    best_single_store_missing: int = 0
    savings: Decimal | None = None
    needs_review: list[SkippedItem] = Field(default_factory=list)
    unavailable: list[SkippedItem] = Field(default_factory=list)
    pantry: list[str] = Field(default_factory=list)
    over_budget: Decimal | None = None
    drop_to_meet_budget: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    set_aside: list[SetAside] = Field(default_factory=list)

    @property
    def lines(self) -> list[PlanLine]:
        return [line for store in self.stores for line in store.lines]
