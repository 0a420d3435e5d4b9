"""Stores, products and offers: a price seen at one store at one time."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field, field_validator

CENT = Decimal("0.01")


def utcnow() -> datetime:
    return datetime.now(UTC)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Unit(StrEnum):
    """Base units: every size is normalised to grams, millilitres or a count."""

    G = "g"
    ML = "ml"
    EA = "ea"

    @property
    def price_basis(self) -> str:
        """The unit a unit price is quoted per."""
        return {Unit.G: "kg", Unit.ML: "l", Unit.EA: "ea"}[self]

    @property
    def basis_factor(self) -> Decimal:
        """How many base units make one price basis (1000 g to a kg)."""
        return Decimal(1) if self is Unit.EA else Decimal(1000)


class Quantity(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: float = Field(gt=0)
    unit: Unit

    def __str__(self) -> str:
        amount = f"{self.amount:g}"
        return f"{amount} {self.unit.value}"


class PackSize(BaseModel):
    """A package: `count` units of `each` (4 x 113 g), or one unit (675 g)."""

    model_config = ConfigDict(frozen=True)

    count: int = Field(default=1, ge=1)
    each: Quantity
    approximate: bool = False

    @property
    def total(self) -> Quantity:
        return Quantity(amount=self.count * self.each.amount, unit=self.each.unit)

    def __str__(self) -> str:
        """The canonical text; the store size reader reads it back to the same size."""
        text = str(self.each) if self.count == 1 else f"{self.count} x {self.each}"
        return f"~{text}" if self.approximate else text


class SoldBy(StrEnum):
    EACH = "each"
    WEIGHT = "weight"


class MultiBuy(BaseModel):
    """`quantity` packages for `total` dollars ("3 / $10.98")."""

    model_config = ConfigDict(frozen=True)

    quantity: int = Field(ge=2)
    total: Decimal = Field(gt=0)

    @property
    def each(self) -> Decimal:
        return money(self.total / self.quantity)

    def __str__(self) -> str:
        """The canonical label; the store price reader reads it back to the same deal."""
        return f"{self.quantity} / ${self.total:.2f}"


class Product(BaseModel):
    model_config = ConfigDict(frozen=True)

    store_id: str
    sku: str
    name: str
    brand: str | None = None
    size_text: str | None = None
    size: PackSize | None = None
    department: str | None = None
    url: str | None = None
    seller: str | None = None  # the merchant, when one source lists several (flyers)


class Offer(BaseModel):
    """One observation of a product's price.

    `price` is what one package costs at the shelf now (the sale price when on sale; for
    items sold by weight, the average price of one item). An offer without a price is kept,
    marked unavailable: never a price of zero.
    """

    product: Product
    price: Decimal | None = Field(default=None, gt=0)
    regular_price: Decimal | None = Field(default=None, gt=0)
    member_price: Decimal | None = Field(default=None, gt=0)
    multi_buy: MultiBuy | None = None
    sold_by: SoldBy = SoldBy.EACH
    price_per_kg: Decimal | None = Field(default=None, gt=0)
    # the store's own unit price where its label prints one, per kg, l or item (see `unit`): what the
    # quality gate checks price and pack size against
    shelf_unit_price: Decimal | None = Field(default=None, gt=0)
    currency: str = "CAD"
    in_stock: bool = True
    observed_at: AwareDatetime = Field(default_factory=utcnow)
    valid_to: AwareDatetime | None = None
    fetched_at: AwareDatetime | None = None  # when the store's answer reached us
    source_modified_at: AwareDatetime | None = None  # the store's own Last-Modified, when it says
    search_query: str | None = None  # the search that found it; with the store, its search key
    # cache: the store's answer kept fresh in the cache; alternative: from its other source (flyer) when
    # it could not answer; stale: its last known price
    tier: Literal["live", "cache", "alternative", "stale"] = "live"
    source_format: str
    collection_method: str
    confidence: float = Field(ge=0, le=1)
    notes: tuple[str, ...] = ()

    @field_validator("observed_at", "valid_to", "fetched_at", "source_modified_at")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def available(self) -> bool:
        return self.price is not None and self.in_stock

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sale(self) -> bool:
        return self.price is not None and self.regular_price is not None and self.price < self.regular_price

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit_price(self) -> Decimal | None:
        """Price per kg, per litre or per item, from the best price of one package."""
        if self.sold_by is SoldBy.WEIGHT and self.price_per_kg is not None:
            return money(self.price_per_kg)
        if self.price is None or self.product.size is None:
            return None
        total = self.product.size.total
        per_basis = self.price * total.unit.basis_factor / Decimal(str(total.amount))
        return money(per_basis)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit(self) -> str | None:
        if self.sold_by is SoldBy.WEIGHT and self.price_per_kg is not None:
            return "kg"
        return self.product.size.total.unit.price_basis if self.product.size else None
