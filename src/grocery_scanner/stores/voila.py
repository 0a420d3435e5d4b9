"""voila.ca (Sobeys group online) product search JSON (`/api/v5/products/search`)."""

from __future__ import annotations

from typing import Any

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Offer, Product, SoldBy
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


def _amount(node: Any) -> Any:
    return (node or {}).get("amount") if isinstance(node, dict) else None


class VoilaConnector(Connector):
    name = "voila"
    source_format = "voila-search-json"
    collection_method = "search-api"
    confidence = 0.95

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        params = {"term": query, "limit": str(profile.page_size), "offset": str(page * profile.page_size)}
        return SearchRequest(
            "GET",
            f"{profile.base_url}/api/v5/products/search",
            params=params,
            headers=profile.resolved_headers(),
        )

    def parse(self, body: str, store_id: str) -> ParsedPage:
        doc = load_json(body, store_id, "voila search response")
        products = require(doc, "entities.product", store_id, "voila search response")
        if not isinstance(products, dict):
            raise ParseError(store_id, "voila search response: 'entities.product' is not an object")
        result = doc.get("result") or {}
        ordered = [uid for group in result.get("productGroups") or [] for uid in group.get("products") or []]
        # productGroups also list products of later pages, which have no entity here
        ordered = [uid for uid in dict.fromkeys([*ordered, *products]) if uid in products]
        page = ParsedPage(offers=[])
        for uid in ordered:
            item = products[uid]
            if not isinstance(item, dict) or not item.get("name"):
                page.skipped.append(Skip(uid, "product entry without a name"))
                continue
            page.offers.append(self._offer(item, uid, store_id))
        total = result.get("totalProducts")
        if isinstance(total, int):
            page.total_results = total
            offset = result.get("offset")
            seen = (offset if isinstance(offset, int) else 0) + len(products)
            page.has_next = seen < total
        return page

    def _offer(self, item: dict[str, Any], uid: str, store_id: str) -> Offer:
        price_node = item.get("price") or {}
        price = to_decimal(_amount(price_node.get("current")))
        regular = to_decimal(_amount(price_node.get("original")))
        unit_label = str((price_node.get("unit") or {}).get("label") or "")
        size_text = (item.get("size") or {}).get("value")
        size = parse_size(size_text) or parse_size(item["name"])
        sold_by, price_per_kg = SoldBy.EACH, None
        if unit_label.endswith("per.kg") and item.get("weighted") and (weight := weight_pricing(price, regular, "kg")):
            sold_by, price_per_kg = SoldBy.WEIGHT, weight.price_per_kg
            size, price, regular = weight.size, weight.price, weight.regular_price
        unit_amount = to_decimal(_amount((price_node.get("unit") or {}).get("current")))
        basis = unit_label.rsplit(".", 1)[-1].replace("each", "ea").replace("litre", "l")
        shelf_unit = per_base_unit(unit_amount, basis) if unit_amount and sold_by is SoldBy.EACH else None
        current = price_node.get("current")
        currency = current.get("currency") if isinstance(current, dict) else None
        promotion_texts = [str(p.get("description") or p.get("name") or "") for p in item.get("promotions") or []]
        multi_buy = next((d.multi_buy for d in map(parse_price_text, promotion_texts) if d.multi_buy), None)
        product = Product(
            store_id=store_id,
            sku=str(item.get("retailerProductId") or uid),
            name=clean(item["name"]),
            brand=item.get("brand") or None,
            size_text=size_text,
            size=size,
            department=item.get("department"),
        )
        return self.offer(
            store_id,
            product=product,
            price=price,
            regular_price=regular or price,
            multi_buy=multi_buy,
            sold_by=sold_by,
            price_per_kg=price_per_kg,
            shelf_unit_price=shelf_unit,
            currency=str(currency or "CAD"),
            in_stock=bool(item.get("available", True)),
            notes=tuple(t for t in promotion_texts if t),
        )
