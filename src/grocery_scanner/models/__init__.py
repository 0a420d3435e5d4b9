"""Domain types. Money is Decimal, times are timezone-aware UTC."""

from grocery_scanner.models.ingredient import Ingredient, Need, Recipe, SourceRef
from grocery_scanner.models.offer import (
    MultiBuy,
    Offer,
    PackSize,
    Product,
    Quantity,
    SoldBy,
    Unit,
    utcnow,
)

__all__ = [
    "Ingredient",
    "MultiBuy",
    "Need",
    "Offer",
    "PackSize",
    "Product",
    "Quantity",
    "Recipe",
    "SoldBy",
    "SourceRef",
    "Unit",
    "utcnow",
]
