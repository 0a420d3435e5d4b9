"""schema.org `Product`/`Offer` in `<script type="application/ld+json">`: the generic connector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Offer, Product
from grocery_scanner.stores.base import Connector, ParsedPage, SearchRequest, Skip, clean
from grocery_scanner.stores.pricetext import parse_size, to_decimal
from grocery_scanner.stores.profiles import StoreProfile

# UN/CEFACT codes schema.org uses in QuantitativeValue.unitCode
_UNIT_CODES = {
    "GRM": "g",
    "KGM": "kg",
    "MLT": "ml",
    "LTR": "l",
    "LBR": "lb",
    "ONZ": "oz",
    "H87": "ea",
    "EA": "ea",
}


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    if isinstance(kind, list):
        return {str(k) for k in kind}
    return {str(kind)} if kind is not None else set()


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every Product in a JSON-LD document, through @graph, ItemList and nesting."""
    if isinstance(node, list):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, dict):
        if "Product" in _types(node):
            yield node
            return
        for key in ("@graph", "itemListElement", "item", "mainEntity"):
            if key in node:
                yield from _walk(node[key])


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


class JsonLdConnector(Connector):
    name = "jsonld"
    source_format = "schema.org-jsonld"
    collection_method = "product-page"
    confidence = 0.85

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        path = profile.search.get("path", "/search")
        params = {profile.search.get("query_param", "q"): query, "page": str(page + 1)}
        return SearchRequest("GET", f"{profile.base_url}{path}", params=params, headers=profile.resolved_headers())

    def parse(self, body: str, store_id: str) -> ParsedPage:
        scripts = LexborHTMLParser(body).css('script[type="application/ld+json"]')
        if not scripts:
            raise ParseError(store_id, 'page has no <script type="application/ld+json">')
        page = ParsedPage(offers=[])
        for script in scripts:
            try:
                doc = json.loads(script.text())
            except json.JSONDecodeError as exc:
                raise ParseError(store_id, f"JSON-LD block is not valid JSON ({exc.msg})") from exc
            for node in _walk(doc):
                offer = self._offer(node, store_id)
                (page.skipped if isinstance(offer, Skip) else page.offers).append(offer)  # type: ignore[arg-type]
        return page

    def _offer(self, node: dict[str, Any], store_id: str) -> Offer | Skip:
        name = node.get("name")
        if not name:
            return Skip(str(node.get("sku") or "Product"), "Product without a name")
        offer = _first(node.get("offers")) or {}
        if "AggregateOffer" in _types(offer):
            offer = {**offer, "price": offer.get("lowPrice")}
        spec = _first(offer.get("priceSpecification")) or {}
        price = to_decimal(offer.get("price", spec.get("price")))
        brand = node.get("brand")
        brand_name = brand.get("name") if isinstance(brand, dict) else brand
        weight = node.get("weight") or node.get("size")
        size_text = None
        if isinstance(weight, dict):
            unit = _UNIT_CODES.get(str(weight.get("unitCode", "")).upper(), weight.get("unitText", ""))
            size_text = f"{weight.get('value')} {unit}"
        elif isinstance(weight, str):
            size_text = weight
        availability = str(offer.get("availability", "InStock"))
        product = Product(
            store_id=store_id,
            sku=str(node.get("sku") or node.get("gtin13") or node.get("@id") or name),
            name=clean(name),
            brand=brand_name or None,
            size_text=size_text,
            size=parse_size(size_text) or parse_size(name),
            department=node.get("category") if isinstance(node.get("category"), str) else None,
            url=offer.get("url") or node.get("url"),
        )
        return self.offer(
            store_id,
            product=product,
            price=price,
            regular_price=price,
            in_stock=not availability.endswith(("OutOfStock", "SoldOut", "Discontinued")),
        )
