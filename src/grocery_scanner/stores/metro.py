"""Metro search results page: `div.default-product-tile` product tiles."""

from __future__ import annotations

from decimal import Decimal

from selectolax.lexbor import LexborHTMLParser, LexborNode

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Offer, Product, SoldBy
from grocery_scanner.models.offer import money
from grocery_scanner.stores.base import (
    Connector,
    ParsedPage,
    SearchRequest,
    Skip,
    by_weight,
    estimated_weight,
)
from grocery_scanner.stores.pricetext import label_unit_price, parse_price_text, parse_size
from grocery_scanner.stores.profiles import StoreProfile

TILE = "div.default-product-tile"
GRID = "div.searchOnlineResults"


def _text(node: LexborNode, selector: str) -> str | None:
    found = node.css_first(selector)
    if found is None:
        return None
    text = " ".join(found.text(separator=" ").split())
    return text or None


def _per_kg_of(label: str | None) -> Decimal | None:
    """The per-kg price among the parts of a label like "$11.00 / kg $4.99 / lb."."""
    if not label:
        return None
    for part in label.split("$")[1:]:
        parsed = parse_price_text("$" + part)
        if parsed.price_per_kg is not None:
            return parsed.price_per_kg
    return None


class MetroConnector(Connector):
    name = "metro-html"
    source_format = "metro-search-html"
    collection_method = "search-page"
    confidence = 0.9

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        url = f"{profile.base_url}/en/online-grocery/search-page-{page + 1}"
        return SearchRequest("GET", url, params={"filter": query}, headers=profile.resolved_headers())

    def parse(self, body: str, store_id: str) -> ParsedPage:
        if "</html>" not in body[-2000:].lower():
            raise ParseError(store_id, "search page is truncated (no closing </html>)")
        tree = LexborHTMLParser(body)
        tiles = tree.css(TILE)
        if not tiles and tree.css_first(GRID) is None:
            raise ParseError(store_id, f"search page has neither a results grid ({GRID}) nor product tiles ({TILE})")
        page = ParsedPage(offers=[])
        for tile in tiles:
            offer = self._offer(tile, store_id)
            if isinstance(offer, Skip):
                page.skipped.append(offer)
            else:
                page.offers.append(offer)
        page.has_next = tree.css_first('[aria-label="Next"]') is not None
        return page

    def _offer(self, tile: LexborNode, store_id: str) -> Offer | Skip:
        attrs = tile.attributes
        code, title = (
            attrs.get("data-product-code"),
            _text(tile, "span.head__title") or attrs.get("data-product-name"),
        )
        if not code or not title:
            return Skip(title or code or "tile", "tile without data-product-code or title")
        main = tile.css_first("div[data-main-price]")
        sale_label = _text(tile, "div.pricing__sale-price")
        if main is None or sale_label is None:
            return Skip(title, "tile without a price block (div[data-main-price] / div.pricing__sale-price)")
        secondary = _text(tile, "div.pricing__secondary-price")
        before = _text(tile, "div.pricing__before-price")
        shown = parse_price_text(sale_label)
        regular = parse_price_text(before.replace("Regular price", "")) if before else None
        size_text = _text(tile, "span.head__unit-details")
        size = parse_size(size_text)
        notes: list[str] = []
        confidence = self.confidence
        sold_by, price_per_kg = SoldBy.EACH, None
        price, regular_price = shown.price, regular.price if regular else None
        if attrs.get("data-is-weighted") == "true":
            sold_by = SoldBy.WEIGHT
            price_per_kg = _per_kg_of(secondary) or shown.price_per_kg
            regular_per_kg = _per_kg_of(before)
            if price_per_kg is None:
                return Skip(title, "weighted item without a price per kg")
            if shown.average and price is not None:
                size = estimated_weight(price, price_per_kg)
                ratio = price / price_per_kg
                regular_price = money(regular_per_kg * ratio) if regular_per_kg else None
            else:
                size, price = by_weight(price_per_kg)
                regular_price = money(regular_per_kg / 10) if regular_per_kg else None
        elif shown.multi_buy is not None:
            price = parse_price_text(f"{sale_label} {secondary or ''}").each_alternative
            if price is None:
                price = shown.multi_buy.each
                confidence = 0.6
                notes.append(f"single price not shown: {price} each when buying {shown.multi_buy.quantity}")
        if promo := _text(tile, "div.product-buy-more-promo"):
            notes.append(promo)
        product = Product(
            store_id=store_id,
            sku=code,
            name=title,
            brand=_text(tile, "span.head__brand"),
            size_text=size_text,
            size=size,
            department=attrs.get("data-product-category"),
            url=(tile.css_first("a.product-details-link") or tile).attributes.get("href"),
        )
        return self.offer(
            store_id,
            product=product,
            price=price,
            regular_price=regular_price or price,
            multi_buy=shown.multi_buy,
            sold_by=sold_by,
            price_per_kg=price_per_kg,
            shelf_unit_price=label_unit_price(secondary) if sold_by is SoldBy.EACH else None,
            in_stock="out-of-stock" not in (attrs.get("class") or ""),
            confidence=confidence,
            notes=tuple(notes),
        )
