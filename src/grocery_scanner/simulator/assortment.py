"""Real store assortments exported as CSV, read into catalog products the simulator can serve.

Two exports are understood (see ../shared/catalogs/README.md): a PC Express scrape (Real Canadian
Superstore: `Name`, `Category`, `Amount`, `Units`, prices; names carry no brand) and the Woolworths /
Coles scrapes (`Name` with brand and size, `Price`, `URL`). Serving them through the simulator lets
the matcher be measured, and plans be tried, on the names, sizes and aisles real stores print.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import cache
from pathlib import Path

from grocery_scanner.errors import UserInputError
from grocery_scanner.models import PackSize, Quantity, Unit
from grocery_scanner.simulator.catalog import CatalogProduct
from grocery_scanner.stores.pricetext import parse_size, to_decimal

# the exports of ../shared/catalogs/, by the name benchmarks and tests give them
SHARED_CATALOGS = {
    "superstore": "superstore_2023-09/products_data.csv",
    "woolworths": "woolworths_coles_2025-10/woolworths_products.csv",
    "coles": "woolworths_coles_2025-10/coles_products.csv",
}
UNKNOWN_SIZE = PackSize(each=Quantity(amount=1, unit=Unit.EA))
MARKETPLACE_ID = 100_000_000  # Woolworths marketplace (non-food, third-party) product ids start here


def _product(
    key: str, name: str, department: str, size: PackSize | None, price: Decimal, regular: Decimal
) -> CatalogProduct:
    """A product as the export lists it: one shelf price, always in stock, no deals."""
    return CatalogProduct(
        key=key,
        name=name.strip(),
        brand=None,  # the exports put the brand inside the name, or nowhere
        department=department.strip(),
        size=size or UNKNOWN_SIZE,
        regular_price=max(price, regular),
        price=price,
        multi_buy=None,
        member_price=None,
        weighted=False,
        in_stock=True,
    )


def _superstore(row: dict[str, str]) -> CatalogProduct | None:
    price = to_decimal(row["Current Price"])
    if price is None or price <= 0:
        return None
    size = parse_size(f"{row['Amount']} {row['Units']}")
    return _product(
        row["Product ID"], row["Name"], row["Category"], size, price, to_decimal(row["Previous Price"]) or price
    )


def _australian(row: dict[str, str]) -> CatalogProduct | None:
    product_id = row["URL"].rstrip("/").rsplit("/", 1)[-1]
    price = to_decimal(row["Price"])
    if not product_id.isdigit() or int(product_id) >= MARKETPLACE_ID or price is None:
        return None
    return _product(product_id, row["Name"], "", parse_size(row["Name"]), price, price)


@cache
def load_assortment(path: Path) -> tuple[CatalogProduct, ...]:
    """The priced products of one CSV export, each product once (first listing kept)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or ())
            if {"Name", "Category", "Product ID", "Amount", "Units"} <= columns:
                read = _superstore
            elif {"Name", "Price", "URL"} <= columns:
                read = _australian
            else:
                raise UserInputError(f"{path}: not a known assortment export (columns: {sorted(columns)})")
            products: dict[str, CatalogProduct] = {}
            for row in reader:
                product = read(row)
                if product is not None:
                    products.setdefault(product.key, product)
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read the assortment ({exc.strerror})") from None
    return tuple(products.values())
