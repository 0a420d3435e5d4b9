"""Deterministic store catalogs generated from the base assortment in catalog_items.yaml.

Every number comes from a seeded RNG keyed by (seed, store, product), so the same seed gives the
same catalog on every machine, while stores differ: each has its own house brand, its own price
level per department, its own sales and a few gaps in its range.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources

import yaml

from grocery_scanner.models import PackSize, Quantity, Unit

CARRY_RATE = 0.95
SALE_RATE = 0.12
MULTI_BUY_RATE = 0.05
MEMBER_RATE = 0.04
OUT_OF_STOCK_RATE = 0.03
HOUSE_BRAND_FACTOR = 0.82


@dataclass(frozen=True)
class BaseItem:
    name: str
    department: str
    unit: Unit
    sizes: tuple[PackSize, ...]
    base_price: float
    brands: tuple[str, ...]
    weighted: bool
    organic: bool


@dataclass(frozen=True)
class CatalogProduct:
    """One product as a store sells it, in no particular wire format."""

    key: str  # stable across stores: the same product at two stores shares the key
    name: str
    brand: str | None
    department: str
    size: PackSize
    regular_price: Decimal  # per package; per kg for weighted items
    price: Decimal  # today's shelf price, same basis
    multi_buy: tuple[int, Decimal] | None
    member_price: Decimal | None
    weighted: bool
    in_stock: bool

    @property
    def size_text(self) -> str:
        return str(self.size)

    @property
    def search_text(self) -> str:
        return f"{self.brand or ''} {self.name} {self.department}".lower()


def _parse_size(text: str, unit: Unit) -> PackSize:
    if "x" in text:
        count, each = text.split("x")
        return PackSize(count=int(count), each=Quantity(amount=float(each), unit=unit))
    return PackSize(each=Quantity(amount=float(text), unit=unit))


@cache
def base_items() -> tuple[BaseItem, ...]:
    data = yaml.safe_load(resources.files(__package__).joinpath("catalog_items.yaml").read_text("utf-8"))
    items = []
    for department, spec in data["departments"].items():
        for line in spec["items"]:
            name, unit, sizes, price, flags = (part.strip() for part in f"{line} |".split("|")[:5])
            unit_enum = Unit(unit)
            items.append(
                BaseItem(
                    name=name,
                    department=department,
                    unit=unit_enum,
                    sizes=tuple(_parse_size(s, unit_enum) for s in sizes.split(",")),
                    base_price=float(price),
                    brands=tuple(spec["brands"]) if "b" in flags else (),
                    weighted="w" in flags,
                    organic="o" in flags,
                )
            )
    return tuple(items)


def seeded_rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def shelf_price(value: float) -> Decimal:
    """Round to a shelf-looking price ending in 9 (3.49, 12.99), never below $0.29."""
    cents = max(29, round(value * 10) * 10 - 1)
    return (Decimal(cents) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _variants(item: BaseItem, house_brand: str) -> list[tuple[str, str | None, float]]:
    """(name, brand, price factor) for each product made from a base item."""
    if not item.brands:
        variants: list[tuple[str, str | None, float]] = [(item.name, None, 1.0)]
    else:
        variants = [(item.name, b, 1.0 + 0.08 * i) for i, b in enumerate(item.brands)]
        variants.append((item.name, house_brand, HOUSE_BRAND_FACTOR))
    if item.organic:
        variants.append((f"Organic {item.name}", item.brands[0] if item.brands else None, 1.45))
    return variants


@cache
def build_catalog(store_id: str, house_brand: str, seed: int) -> tuple[CatalogProduct, ...]:
    """A store's whole catalog (cached: it is a pure function of its arguments)."""
    products = []
    for item in base_items():
        department_level = 0.88 + 0.24 * seeded_rng(seed, store_id, item.department).random()
        for name, brand, brand_factor in _variants(item, house_brand):
            for size in item.sizes:
                key = f"{name}|{brand if brand != house_brand else '@house'}|{size}"
                rng = seeded_rng(seed, store_id, key)
                if rng.random() > CARRY_RATE:
                    continue
                amount = size.total.amount / float(item.unit.basis_factor)
                smallest = item.sizes[0].total.amount / float(item.unit.basis_factor)
                volume_discount = (amount / smallest) ** -0.12 if not item.weighted else 1.0
                noise = 0.93 + 0.14 * rng.random()
                per_unit = item.base_price * brand_factor * department_level * noise * volume_discount
                regular = shelf_price(per_unit if item.weighted else per_unit * amount)
                products.append(_with_promotions(rng, key, name, brand, item, size, regular))
    return tuple(products)


def _with_promotions(
    rng: random.Random,
    key: str,
    name: str,
    brand: str | None,
    item: BaseItem,
    size: PackSize,
    regular: Decimal,
) -> CatalogProduct:
    price, multi_buy, member = regular, None, None
    roll = rng.random()
    if roll < SALE_RATE:
        price = min(regular, shelf_price(float(regular) * (0.70 + 0.15 * rng.random())))
    elif roll < SALE_RATE + MULTI_BUY_RATE and not item.weighted:
        quantity = rng.choice((2, 3))
        multi_buy = (quantity, shelf_price(float(regular) * quantity * 0.85))
    elif roll < SALE_RATE + MULTI_BUY_RATE + MEMBER_RATE:
        member = min(regular, shelf_price(float(regular) * 0.9))
    return CatalogProduct(
        key=key,
        name=name,
        brand=brand,
        department=item.department,
        size=size,
        regular_price=regular,
        price=price,
        multi_buy=multi_buy,
        member_price=member,
        weighted=item.weighted,
        in_stock=rng.random() > OUT_OF_STOCK_RATE,
    )
