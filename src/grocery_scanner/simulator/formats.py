"""Render catalog products in the wire formats of real grocery sites.

Each renderer produces what the matching connector reads from the real site; `layout_changed`
renders the same data under renamed keys or classes, as a site redesign would.
"""

from __future__ import annotations

import hashlib
import html
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grocery_scanner.models import Unit
from grocery_scanner.simulator.catalog import CatalogProduct

LB_PER_KG = Decimal("2.20462")


@dataclass(frozen=True)
class Page:
    products: list[CatalogProduct]
    number: int  # 0-based
    size: int
    total: int
    query: str
    layout_changed: bool = False


def sku(product: CatalogProduct) -> str:
    return str(int.from_bytes(hashlib.blake2b(product.key.encode(), digest_size=6).digest(), "big") % 10**8)


def _size_label(product: CatalogProduct) -> str:
    """Real sites print "4 l", "675 g", "12 un", "12x355 ml"."""
    size = product.size
    unit = {Unit.G: "g", Unit.ML: "ml", Unit.EA: "un"}[size.each.unit]
    amount = size.each.amount
    if unit == "ml" and amount >= 1000:
        unit, amount = "l", amount / 1000
    elif unit == "g" and amount >= 1000:
        unit, amount = "kg", amount / 1000
    each = f"{amount:g} {unit}"
    return each if size.count == 1 else f"{size.count}x{each}"


def _comparison(product: CatalogProduct) -> tuple[Decimal, str]:
    """Price per 100 g / 100 ml / unit, as shelf labels print it."""
    total = product.size.total
    if total.unit is Unit.EA:
        return (product.price / Decimal(str(total.amount))).quantize(Decimal("0.01")), "un"
    per100 = product.price * 100 / Decimal(str(total.amount))
    return per100.quantize(Decimal("0.01")), "100" + total.unit.value


def _deal_text(product: CatalogProduct) -> str | None:
    if product.multi_buy:
        quantity, total = product.multi_buy
        return f"${(total / quantity).quantize(Decimal('0.01'))} MIN {quantity}"
    if product.price < product.regular_price:
        return f"SAVE ${product.regular_price - product.price}"
    return None


def pcexpress(page: Page) -> str:
    results = []
    for p in page.products:
        comparison, basis = _comparison(p)
        deal = _deal_text(p)
        results.append(
            {
                "code": f"{sku(p)}_{'KG' if p.weighted else 'EA'}",
                "name": p.name,
                "brand": p.brand,
                "packageSize": None if p.weighted else _size_label(p),
                "prices": {
                    "price": {
                        "value": float(p.price),
                        "unit": "kg" if p.weighted else "ea",
                        "quantity": 1,
                        "type": "SPECIAL" if p.price < p.regular_price else "REGULAR",
                    },
                    "wasPrice": {"value": float(p.regular_price), "unit": "ea"} if p.price < p.regular_price else None,
                    "comparisonPrices": []
                    if p.weighted
                    else [
                        {
                            "value": float(comparison),
                            "unit": basis[3:] or "ea",
                            "quantity": 100 if basis != "un" else 1,
                        }
                    ],
                },
                "pricingUnits": {
                    "type": "SOLD_BY_WEIGHT" if p.weighted else "SOLD_BY_EACH",
                    "unit": "kg" if p.weighted else "ea",
                    "weighted": p.weighted,
                },
                "badges": {"dealBadge": {"type": "MULTI" if p.multi_buy else "SALE", "text": deal} if deal else None},
                "stockStatus": "OK" if p.in_stock else "OUT_OF_STOCK",
                "aisle": {"name": p.department},
                "link": f"/p/{sku(p)}",
            }
        )
    key = "productResults" if page.layout_changed else "results"
    return json.dumps(
        {
            key: results,
            "pagination": {"pageNumber": page.number, "pageSize": page.size, "totalResults": page.total},
        }
    )


def nextdata(page: Page) -> str:
    tiles = []
    for p in page.products:
        comparison, basis = _comparison(p)
        deal = None
        if p.multi_buy:
            deal = {"type": "MULTI", "text": f"{p.multi_buy[0]} for ${p.multi_buy[1]}"}
        elif p.price < p.regular_price:
            deal = {"type": "SALE", "text": f"SAVE ${p.regular_price - p.price}"}
        tiles.append(
            {
                "productId": f"{sku(p)}_{'KG' if p.weighted else 'EA'}",
                "brand": p.brand,
                "title": p.name,
                "packageSizing": "" if p.weighted else f"{_size_label(p)}, ${comparison}/{basis}",
                "pricing": {
                    "price": str(p.price),
                    "wasPrice": f"${p.regular_price}" if p.price < p.regular_price else None,
                    "displayPrice": f"${p.price}",
                    "memberOnlyPrice": str(p.member_price) if p.member_price else None,
                },
                "pricingUnits": {
                    "type": "SOLD_BY_WEIGHT" if p.weighted else "SOLD_BY_EACH",
                    "unit": "kg" if p.weighted else "ea",
                    "weighted": p.weighted,
                },
                "deal": deal,
                "inventoryIndicator": None if p.in_stock else {"indicatorId": "OUT", "text": "Out of Stock"},
                "link": f"/en/p/{sku(p)}",
            }
        )
    collection_key = "mainContentCollectionV2" if page.layout_changed else "mainContentCollection"
    data = {
        "props": {
            "pageProps": {
                "initialSearchData": {
                    "pagination": {
                        "pageNumber": page.number + 1,
                        "pageSize": page.size,
                        "totalResults": page.total,
                    },
                    "layout": {"sections": {collection_key: {"components": [{"data": {"productTiles": tiles}}]}}},
                }
            }
        }
    }
    payload = json.dumps(data).replace("</", "<\\/")
    return (
        '<!doctype html><html><head><title>Search</title></head><body><div id="__next"></div>'
        f'<script id="__NEXT_DATA__" type="application/json">{payload}</script></body></html>'
    )


def _metro_tile(p: CatalogProduct, tile: str) -> str:
    e = html.escape
    code = sku(p)
    classes = f"{tile} tile-product" + ("" if p.in_stock else " out-of-stock")
    brand = f'<span class="head__brand">{e(p.brand)}</span>' if p.brand else ""
    on_sale = p.price < p.regular_price
    if p.weighted:
        avg_kg = Decimal(str(p.size.each.amount)) / 1000
        each = (p.price * avg_kg).quantize(Decimal("0.01"))
        details = "Sold individually" if p.size.each.amount < 400 else "Approx. per tray"
        before = (
            f'<div class="pricing__before-price"><span>Regular price</span><span>${p.regular_price} / kg</span>'
            f"<span>${(p.regular_price / LB_PER_KG).quantize(Decimal('0.01'))} / lb.</span></div>"
            if on_sale
            else ""
        )
        main = (
            f'<div data-main-price="{each}"><div class="pricing__sale-price"><span class="price-update">${each}</span>'
            f'<span>avg. ea.</span></div><div class="pricing__secondary-price"><span>${p.price} / kg</span>'
            f"<span>${(p.price / LB_PER_KG).quantize(Decimal('0.01'))} / lb.</span></div></div>"
        )
    else:
        details = _size_label(p)
        comparison, basis = _comparison(p)
        basis_label = "un." if basis == "un" else basis.replace("100", "100 ")
        before = (
            f'<div class="pricing__before-price"><span>Regular price</span><span>${p.regular_price} ea.</span></div>'
            if on_sale
            else ""
        )
        if p.multi_buy:
            quantity, total = p.multi_buy
            label = f"{quantity} / ${total}"
            secondary = f"<span>or ${p.price} ea.</span><span>${comparison} /{basis_label}</span>"
        else:
            label = f"${p.price}</span><span>ea."
            secondary = f"<span>${comparison} /{basis_label}</span>"
        main = (
            f'<div data-main-price="{p.price}"><div class="pricing__sale-price"><span class="price-update">{label}'
            f'</span></div><div class="pricing__secondary-price">{secondary}</div></div>'
        )
    return (
        f'<div class="{classes}" data-is-weighted="{"true" if p.weighted else "false"}" '
        f'data-product-category="{e(p.department)}" data-product-code="{code}" data-product-name="{e(p.name)}">'
        f'<a class="product-details-link" href="/en/online-grocery/p/{code}"><span class="head__container">{brand}'
        f'<span class="head__title">{e(p.name)}</span></span><span class="head__unit-details">{e(details)}</span></a>'
        f'<div class="content__pricing">{before}{main}</div></div>'
    )


def metro(page: Page) -> str:
    grid, tile = (
        ("product-grid-v2", "product-card-v2")
        if page.layout_changed
        else ("searchOnlineResults", "default-product-tile")
    )
    tiles = "\n".join(_metro_tile(p, tile) for p in page.products)
    has_next = (page.number + 1) * page.size < page.total
    nav = f'<a aria-label="Next" href="?page={page.number + 2}">Next</a>' if has_next else ""
    return f'<!doctype html><html><body><div class="{grid}">{tiles}</div><nav>{nav}</nav></body></html>'


def voila(page: Page) -> str:
    entities: dict[str, Any] = {}
    for p in page.products:
        uid = str(uuid.uuid5(uuid.NAMESPACE_URL, p.key))
        comparison, basis = _comparison(p)
        price: dict[str, Any] = {
            "current": {"currency": "CAD", "amount": str(p.price)},
            "unit": {
                "label": "fop.price.per.kg" if p.weighted else f"fop.price.per.{basis.replace('un', 'each')}",
                "current": {"currency": "CAD", "amount": str(p.price if p.weighted else comparison)},
            },
        }
        if p.price < p.regular_price:
            price["original"] = {"currency": "CAD", "amount": str(p.regular_price)}
        promotions = [{"description": f"{p.multi_buy[0]} for ${p.multi_buy[1]}"}] if p.multi_buy else []
        entities[uid] = {
            "productId": uid,
            "retailerProductId": f"{sku(p)}EA",
            "name": f"{p.brand + ' ' if p.brand else ''}{p.name}" + ("" if p.weighted else f" {_size_label(p)}"),
            "brand": p.brand,
            "available": p.in_stock,
            "price": price,
            "size": {"value": "" if p.weighted else _size_label(p).replace(" ", "")},
            "weighted": p.weighted,
            "department": p.department,
            "promotions": promotions,
        }
    root = "data" if page.layout_changed else "entities"
    return json.dumps(
        {
            root: {"product": entities},
            "result": {
                "productGroups": [{"type": "search", "products": list(entities)}],
                "totalProducts": page.total,
                "offset": page.number * page.size,
                "query": {"searchTerm": page.query},
            },
        }
    )


def flipp(page: Page) -> str:
    """Flipp's item search: the store's flyer lines (its deals this week, weighted ones per lb, as
    flyers print them) and its online items at shelf price; no paging."""
    items, ecom = [], []
    for p in page.products:
        label = f"{p.brand + ' ' if p.brand else ''}{p.name}".upper()
        on_deal = p.price < p.regular_price or p.multi_buy is not None
        if not on_deal:
            if not p.weighted:
                ecom.append({"sku": sku(p), "name": f"{label} {_size_label(p)}", "current_price": float(p.price)})
            continue
        item: dict[str, Any] = {
            "flyer_item_id": int(sku(p)),
            "name": label if p.weighted else f"{label} {_size_label(p)}",
            "current_price": float(p.price),
            "original_price": float(p.regular_price) if p.price < p.regular_price else None,
            "pre_price_text": None,
            "post_price_text": None,
            "sale_story": _deal_text(p),
            "valid_to": "2099-12-31T23:59:59+00:00",
        }
        if p.weighted:  # flyers print a per-kg price per lb
            item["current_price"] = float((p.price / LB_PER_KG).quantize(Decimal("0.01")))
            item["original_price"] = None
            item["post_price_text"] = "lb"
        elif p.multi_buy:
            quantity, total = p.multi_buy
            item.update(current_price=float(total), pre_price_text=f"{quantity}/", original_price=None)
        items.append(item)
    return json.dumps({"items": items, "ecom_items": ecom})


RENDERERS = {
    "pcexpress": pcexpress,
    "pcexpress-nextdata": nextdata,
    "metro-html": metro,
    "voila": voila,
    "flipp": flipp,
}
CONTENT_TYPES = {
    "pcexpress": "application/json",
    "pcexpress-nextdata": "text/html",
    "metro-html": "text/html",
    "voila": "application/json",
    "flipp": "application/json",
}
