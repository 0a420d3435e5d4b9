"""PC Express product search JSON (`POST product-facade/v4/products/search`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Product, SoldBy
from grocery_scanner.stores.base import (
    Connector,
    ParsedPage,
    SearchRequest,
    Skip,
    clean,
    load_json,
    require,
    weight_pricing,
)
from grocery_scanner.stores.pricetext import parse_price_text, parse_size, per_base_unit, to_decimal
from grocery_scanner.stores.profiles import StoreProfile

# stock statuses that mean the product cannot be bought now; "OK" and "LOW" can
OUT_OF_STOCK = frozenset({"OUT", "OUT_OF_STOCK", "SOLD_OUT", "UNAVAILABLE"})


class PcExpressConnector(Connector):
    name = "pcexpress"
    source_format = "pcexpress-product-search-json"
    collection_method = "search-api"
    confidence = 0.95

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        body = {
            "pagination": {"from": page, "size": profile.page_size},
            "banner": profile.search.get("banner", ""),
            "cartId": profile.search.get("cart_id", ""),
            "lang": "en",
            "date": date.today().strftime("%d%m%Y"),
            "storeId": profile.search.get("store_id", ""),
            "pcId": None,
            "pickupType": "STORE",
            "offerType": "ALL",
            "term": query,
            "userData": {"domainUserId": "", "sessionId": ""},
        }
        headers = {"Site-Banner": profile.search.get("banner", ""), **profile.resolved_headers()}
        url = f"{profile.base_url}/product-facade/v4/products/search"
        return SearchRequest("POST", url, json_body=body, headers=headers)

    def parse(self, body: str, store_id: str) -> ParsedPage:
        doc = load_json(body, store_id, "PC Express search response")
        results = require(doc, "results", store_id, "PC Express search response")
        if not isinstance(results, list):
            raise ParseError(store_id, "PC Express search response: 'results' is not a list")
        page = ParsedPage(offers=[])
        for item in results:
            self._parse_item(item, store_id, page)
        paging = doc.get("pagination") or {}
        number, size, total = paging.get("pageNumber"), paging.get("pageSize"), paging.get("totalResults")
        if isinstance(number, int) and isinstance(size, int) and isinstance(total, int):
            page.total_results = total
            page.has_next = (number + 1) * size < total
        return page

    def _parse_item(self, item: Any, store_id: str, page: ParsedPage) -> None:
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            page.skipped.append(Skip(str(item)[:60], "result without a product code or name"))
            return
        prices = item.get("prices") or {}
        price_info = prices.get("price") or {}
        price = to_decimal(price_info.get("value"))
        was = to_decimal((prices.get("wasPrice") or {}).get("value"))
        units = item.get("pricingUnits") or {}
        size = parse_size(item.get("packageSize"))
        sold_by, price_per_kg = SoldBy.EACH, None
        if (units.get("weighted") or units.get("type") == "SOLD_BY_WEIGHT") and (
            weight := weight_pricing(price, was, price_info.get("unit"))
        ):
            sold_by, price_per_kg = SoldBy.WEIGHT, weight.price_per_kg
            size, price, was = weight.size, weight.price, weight.regular_price
        shelf_unit = _comparison_price(prices) if sold_by is SoldBy.EACH else None
        deal = (item.get("badges") or {}).get("dealBadge") or {}
        deal_text = parse_price_text(deal.get("text")) if deal.get("type") == "MULTI" else None
        notes = tuple(t for t in [deal.get("text")] if t)
        product = Product(
            store_id=store_id,
            sku=str(item["code"]),
            name=clean(item["name"]),
            brand=item.get("brand") or None,
            size_text=item.get("packageSize"),
            size=size,
            department=(item.get("aisle") or {}).get("name"),
            url=item.get("link"),
        )
        page.offers.append(
            self.offer(
                store_id,
                product=product,
                price=price,
                regular_price=was or price,
                multi_buy=deal_text.multi_buy if deal_text else None,
                sold_by=sold_by,
                price_per_kg=price_per_kg,
                shelf_unit_price=shelf_unit,
                in_stock=str(item.get("stockStatus", "OK")).upper() not in OUT_OF_STOCK,  # "LOW" is on the shelf
                notes=notes,
            )
        )


def _comparison_price(prices: dict[str, Any]) -> Decimal | None:
    """The store's unit price ({"value": 0.67, "unit": "g", "quantity": 100}) per kg, l or item."""
    for comparison in prices.get("comparisonPrices") or []:
        if isinstance(comparison, dict) and (value := to_decimal(comparison.get("value"))) is not None:
            quantity = comparison.get("quantity") or 1
            unit = str(comparison.get("unit") or "ea")
            return per_base_unit(value, f"{quantity if quantity != 1 else ''}{unit}")
    return None
