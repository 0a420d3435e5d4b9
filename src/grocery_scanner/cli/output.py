"""Offers as a Rich table or JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from grocery_scanner.errors import UserInputError
from grocery_scanner.models import Offer


def offer_row(offer: Offer) -> dict[str, Any]:
    p = offer.product
    return {
        "store": p.store_id,
        "sku": p.sku,
        "name": p.name,
        "brand": p.brand,
        "seller": p.seller,
        "size": str(p.size) if p.size else None,
        "size_text": p.size_text,
        "price": str(offer.price) if offer.price is not None else None,
        "regular_price": str(offer.regular_price) if offer.regular_price is not None else None,
        "member_price": str(offer.member_price) if offer.member_price is not None else None,
        "multi_buy": str(offer.multi_buy) if offer.multi_buy else None,
        "sale": offer.sale,
        "sold_by": offer.sold_by.value,
        "unit_price": str(offer.unit_price) if offer.unit_price is not None else None,
        "unit": offer.unit,
        "in_stock": offer.in_stock,
        "available": offer.available,
        "confidence": offer.confidence,
        "observed_at": offer.observed_at.isoformat(),
        "source_format": offer.source_format,
        "notes": list(offer.notes),
    }


def print_offers_json(offers: list[Offer], console: Console) -> None:
    console.print_json(json.dumps([offer_row(o) for o in offers]))


def print_offers_table(offers: list[Offer], console: Console, title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for column, justify in [
        ("Store", "left"),
        ("Product", "left"),
        ("Brand", "left"),
        ("Size", "right"),
        ("Price", "right"),
        ("Regular", "right"),
        ("Deal", "left"),
        ("Unit price", "right"),
    ]:
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for o in offers:
        price = f"${o.price}" if o.price is not None else "[red]no price[/red]"
        if not o.in_stock:
            price += " [yellow](out)[/yellow]"
        deal = "; ".join(
            x
            for x in [
                str(o.multi_buy or ""),
                f"member ${o.member_price}" if o.member_price else "",
                "sale" if o.sale else "",
            ]
            if x
        )
        table.add_row(
            o.product.seller or o.product.store_id,
            o.product.name,
            o.product.brand or "",
            str(o.product.size) if o.product.size else (o.product.size_text or ""),
            price,
            f"${o.regular_price}" if o.regular_price is not None and o.sale else "",
            deal,
            f"${o.unit_price}/{o.unit}" if o.unit_price is not None else "",
        )
    console.print(table)


def check_writable(path: Path | None, option: str = "--output") -> None:
    """Fail before any work when a file the command writes could not be written."""
    if path is None:
        return
    if path.is_dir():
        raise UserInputError(f"{option} {path}: is a directory")
    folder = path.parent
    if not folder.is_dir():
        raise UserInputError(f"{option} {path}: no such directory {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserInputError(f"{option} {path}: not writable")
