"""Domain types. Money is Decimal, times are timezone-aware UTC."""

from grocery_scanner.models.offer import (
    MultiBuy,
    Offer,
    PackSize,
    Product,
    Quantity,
    SoldBy,
    Store,
    Unit,
    utcnow,
)

__all__ = ["MultiBuy", "Offer", "PackSize", "Product", "Quantity", "SoldBy", "Store", "Unit", "utcnow"]
