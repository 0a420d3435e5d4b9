"""Sobeys-group product search through its Algolia index (`dxp_product_en`, multi-query JSON).

Each hit is one product at one store (`storeId`). A listed promotion becomes the sale price only
when the index marks it active and it is in force at the hit's last update.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Offer, Product
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
)
from grocery_scanner.stores.pricetext import parse_size, to_decimal
from grocery_scanner.stores.profiles import StoreProfile

INDEX = "dxp_product_en"


def _promotion(hit: dict[str, Any]) -> tuple[Decimal | None, str | None]:
    """(sale price, note) from the hit's promotions.

    A "Customer Price" reward is the sale price only when the index marks the hit's promotion
    active and the hit's last update falls within the promotion's dates; any other listed
    promotion is only noted, never applied.
    """
    updated = hit.get("updatedAt") or 0
    for promotion in hit.get("promotions") or []:
        if not isinstance(promotion, dict):
            continue
        for reward in promotion.get("promotionReward") or []:
            values = (reward.get("value1Value20") or [{}])[0]
            price = to_decimal(values.get("value_1"))
            if reward.get("rewardShortDesc") != "Customer Price" or price is None:
                continue
            start, end = promotion.get("startDate") or 0, promotion.get("endDate") or 0
            dates = f"{_day(start)} to {_day(end)}"
            if hit.get("activePromotion") and start <= updated < end:
                return price, f"promotion ${price} from {dates}"
            return None, f"promotion listed but not active: ${price} from {dates}"
    return None, None


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat() if timestamp else "?"


class SobeysAlgoliaConnector(Connector):
    name = "sobeys-algolia"
    source_format = "sobeys-algolia-json"
    collection_method = "search-api"
    confidence = 0.9

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        params = {"query": query, "hitsPerPage": str(profile.page_size), "page": str(page)}
        if store := profile.search.get("store_id"):
            params["filters"] = f"storeId:{store}"
        body = {"requests": [{"indexName": INDEX, "params": urlencode(params)}]}
        return SearchRequest(
            "POST", f"{profile.base_url}/1/indexes/*/queries", json_body=body, headers=profile.resolved_headers()
        )

    def parse(self, body: str, store_id: str) -> ParsedPage:
        if is_json_lines(body):  # recorded hits, one a line
            return self._parse_hits(recorded_lines(body, store_id), store_id)
        doc = load_json(body, store_id, "Sobeys search response")
        results = require(doc, "results", store_id, "Sobeys search response")
        if not isinstance(results, list) or not results or not isinstance(results[0], dict):
            raise ParseError(store_id, "Sobeys search response: 'results' holds no result")
        result = results[0]
        page = self._parse_hits(require(result, "hits", store_id, "Sobeys search response"), store_id)
        number, pages = result.get("page"), result.get("nbPages")
        if isinstance(number, int) and isinstance(pages, int):
            page.has_next = number + 1 < pages
            page.total_results = result.get("nbHits")
        return page

    def _parse_hits(self, hits: Any, store_id: str) -> ParsedPage:
        page = ParsedPage(offers=[])
        for hit in hits if isinstance(hits, list) else []:
            if not isinstance(hit, dict) or not hit.get("name") or not hit.get("objectID"):
                page.skipped.append(Skip(str(hit)[:60], "hit without a name or objectID"))
                continue
            page.offers.append(self._offer(hit, store_id))
        return page

    def _offer(self, hit: dict[str, Any], store_id: str) -> Offer:
        regular = to_decimal(hit.get("price"))
        sale, note = _promotion(hit)
        amount, unit, count = hit.get("itemAmountValue"), hit.get("itemAmountUnit"), hit.get("itemPackCount") or 1
        size_text = f"{count} x {amount} {unit}" if count and int(count) > 1 else f"{amount} {unit}"
        size = parse_size(size_text if amount and unit else None) or parse_size(hit["name"])
        product = Product(
            store_id=store_id,
            sku=str(hit["objectID"]),
            name=clean(hit["name"]),
            brand=hit.get("brand") or None,
            size_text=size_text if amount and unit else None,
            size=size,
            department=next(iter(hit.get("categories") or []), None),
            url=f"/products/{hit['pageSlug']}" if hit.get("pageSlug") else None,
            seller=f"store {hit['storeId']}" if hit.get("storeId") else None,
        )
        return self.offer(
            store_id,
            product=product,
            price=sale if sale is not None and regular is not None and sale < regular else regular,
            regular_price=regular,
            in_stock=bool(hit.get("inStock", True)),
            notes=(note,) if note else (),
        )
