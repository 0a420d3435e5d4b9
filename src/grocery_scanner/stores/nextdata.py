"""PC Express product tiles embedded in a search page's `<script id="__NEXT_DATA__">`.

Also reads a JSON-lines file of recorded tiles (each line a tile, or a record whose
`raw_source.data` is the tile), so a user can check saved captures.
"""

from __future__ import annotations

from typing import Any

from selectolax.lexbor import LexborHTMLParser

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Product, SoldBy
from grocery_scanner.stores.base import (
    Connector,
    ParsedPage,
    SearchRequest,
    Skip,
    clean,
    is_json_lines,
    load_json,
    recorded_lines,
    require,
    weight_pricing,
)
from grocery_scanner.stores.pricetext import label_unit_price, parse_money, parse_price_text, parse_size, to_decimal
from grocery_scanner.stores.profiles import StoreProfile

SECTIONS_PATH = "props.pageProps.initialSearchData.layout.sections.mainContentCollection.components"


class NextDataConnector(Connector):
    name = "pcexpress-nextdata"
    source_format = "pcexpress-nextdata-tiles"
    collection_method = "search-page"
    confidence = 0.9

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        params = {"search-bar": query, "page": str(page + 1)}
        return SearchRequest("GET", f"{profile.base_url}/search", params=params, headers=profile.resolved_headers())

    def parse(self, body: str, store_id: str) -> ParsedPage:
        text = body.lstrip()
        if text.startswith("<"):
            script = LexborHTMLParser(body).css_first("script#__NEXT_DATA__")
            if script is None:
                raise ParseError(store_id, 'search page has no <script id="__NEXT_DATA__">')
            doc = load_json(script.text(), store_id, "__NEXT_DATA__")
        elif is_json_lines(text):
            return self._parse_tiles(recorded_lines(text, store_id), store_id, None)
        else:
            doc = load_json(text, store_id, "__NEXT_DATA__")
        components = require(doc, SECTIONS_PATH, store_id, "__NEXT_DATA__")
        tiles: list[Any] = []
        for component in components if isinstance(components, list) else []:
            tiles.extend(((component or {}).get("data") or {}).get("productTiles") or [])
        paging = require(doc, "props.pageProps.initialSearchData", store_id, "__NEXT_DATA__").get("pagination")
        return self._parse_tiles(tiles, store_id, paging)

    def _parse_tiles(self, tiles: list[Any], store_id: str, paging: dict[str, Any] | None) -> ParsedPage:
        page = ParsedPage(offers=[])
        for tile in tiles:
            if not isinstance(tile, dict) or not tile.get("productId") or not tile.get("title"):
                page.skipped.append(Skip(str(tile)[:60], "tile without productId or title"))
                continue
            page.offers.append(self._offer(tile, store_id))
        if paging:
            number, size, total = paging.get("pageNumber"), paging.get("pageSize"), paging.get("totalResults")
            if isinstance(number, int) and isinstance(size, int) and isinstance(total, int):
                page.total_results = total
                page.has_next = number * size < total
        return page

    def _offer(self, tile: dict[str, Any], store_id: str) -> Any:
        pricing = tile.get("pricing") or {}
        price = to_decimal(pricing.get("price"))
        was = parse_money(pricing.get("wasPrice")) or to_decimal(pricing.get("wasPrice"))
        member = to_decimal(pricing.get("memberOnlyPrice"))
        sizing = tile.get("packageSizing") or ""
        size_text = sizing.split(",")[0].strip() or None
        size = parse_size(size_text)
        units = tile.get("pricingUnits") or {}
        sold_by, price_per_kg = SoldBy.EACH, None
        if (units.get("weighted") or units.get("type") == "SOLD_BY_WEIGHT") and (
            weight := weight_pricing(price, was, units.get("unit"))
        ):
            sold_by, price_per_kg = SoldBy.WEIGHT, weight.price_per_kg
            size, price, was = weight.size, weight.price, weight.regular_price
        deal = tile.get("deal") or {}
        inventory = tile.get("inventoryIndicator") or {}
        product = Product(
            store_id=store_id,
            sku=str(tile["productId"]),
            name=clean(tile["title"]),
            brand=tile.get("brand") or None,
            size_text=size_text,
            size=size,
            url=tile.get("link"),
        )
        return self.offer(
            store_id,
            product=product,
            price=price,
            regular_price=was or price,
            member_price=member,
            multi_buy=parse_price_text(deal.get("text")).multi_buy,
            sold_by=sold_by,
            price_per_kg=price_per_kg,
            shelf_unit_price=label_unit_price(sizing.partition(",")[2]) if sold_by is SoldBy.EACH else None,
            in_stock=inventory.get("indicatorId") != "OUT",
            notes=tuple(t for t in [deal.get("text")] if t),
        )
