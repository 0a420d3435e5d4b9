"""Flipp flyer data: item search JSON (`items` and `ecom_items`) and one flyer's items.

Flyer names often bundle several products ("Bacon 375 g or Smoked Sausages 375-450 g"): such
offers are kept with lower confidence so matching can prefer a precise source.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from grocery_scanner.errors import ParseError
from grocery_scanner.models import MultiBuy, Offer, Product, SoldBy
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
from grocery_scanner.stores.pricetext import count_sizes, parse_money, parse_price_text, parse_size, to_decimal
from grocery_scanner.stores.profiles import StoreProfile
from grocery_scanner.text import words

_ALTERNATIVES = re.compile(r"\bor\b", re.I)
_MULTI_PREFIX = re.compile(r"^\s*(\d+)\s*(?:/|for)\s*\$?\s*$", re.I)  # "3/", "2 for", "2 FOR $"
_PER_WEIGHT = re.compile(r"/\s*(lb|kg|100\s*g)\b", re.I)


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


# foods a flyer usually prices by weight
USUALLY_BY_WEIGHT = frozenset(
    words(
        """beef pork chicken turkey lamb veal steak steaks roast chops ribs brisket tenderloin loin drumsticks
        thighs breasts wings salmon fish fillets cod tilapia trout ham bananas apples pears grapes peaches
        plums nectarines tomatoes potatoes onions peppers carrots zucchini cucumbers mushrooms"""
    )
)


def _stated_deal(item: dict[str, Any]) -> MultiBuy | None:
    """A multi-buy stated in the flyer line's sale story or name ("buy any three for $14")."""
    for text in (item.get("sale_story"), item.get("name")):
        if isinstance(text, str) and (deal := parse_price_text(text).multi_buy):
            return deal
    return None


class _FlippBase(Connector):
    collection_method = "flyer"
    confidence = 0.75

    def _flyer_offer(
        self,
        store_id: str,
        item: dict[str, Any],
        sku: str,
        seller: str | None,
        price: Decimal | None,
        pre: str | None = None,
        post: str | None = None,
        regular: Decimal | None = None,
    ) -> Offer:
        name = clean(item["name"])
        # the size is often printed after the price ("600 g") rather than in the name
        size = parse_size(name) or parse_size(post)
        confidence = self.confidence
        notes: list[str] = [t for t in [item.get("sale_story")] if t]
        if _ALTERNATIVES.search(name) or count_sizes(name) > 1:
            confidence = 0.5
            notes.append("flyer line names several products")
        multi_buy = None
        sold_by, price_per_kg = SoldBy.EACH, None
        if price is not None and pre and (m := _MULTI_PREFIX.match(pre)) and int(m.group(1)) >= 2:
            multi_buy = MultiBuy(quantity=int(m.group(1)), total=price)
            price = parse_money(post) or multi_buy.each
        elif price is not None and (deal := _stated_deal(item)):
            # "buy any three for $14" in the sale story: the printed price is for all of them
            multi_buy = deal
            price = deal.each if price == deal.total else price
        elif price is not None and post and (m := _PER_WEIGHT.search(post if "/" in post else f"/{post}")):
            weight = weight_pricing(price, regular, m.group(1).replace(" ", ""))
            if weight is not None and not post.lower().startswith("ea"):
                sold_by, price_per_kg = SoldBy.WEIGHT, weight.price_per_kg
                size, price, regular = weight.size, weight.price, weight.regular_price
        if size is None and sold_by is SoldBy.EACH and set(words(name)) & USUALLY_BY_WEIGHT:
            # a flyer price for meat, fish or loose produce with no size is often per lb: keep it, doubted
            confidence = min(confidence, 0.5)
            notes.append("no size printed for an item usually sold by weight: the price may be per lb")
        product = Product(
            store_id=store_id,
            sku=sku,
            name=name,
            brand=(item.get("brand") or None),
            size_text=None,
            size=size,
            seller=seller.strip() if seller else None,
        )
        return self.offer(
            store_id,
            product=product,
            price=price,
            regular_price=regular if regular and price and regular > price else price,
            multi_buy=multi_buy,
            sold_by=sold_by,
            price_per_kg=price_per_kg,
            valid_to=_time(item.get("valid_to")),
            confidence=confidence,
            notes=tuple(notes),
        )


class FlippSearchConnector(_FlippBase):
    name = "flipp"
    source_format = "flipp-item-search-json"

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        params = {"locale": "en-ca", "postal_code": profile.search.get("postal_code", ""), "q": query}
        if merchant := profile.search.get("merchant_id"):
            params["merchant"] = merchant
        url = f"{profile.base_url}/flipp/items/search"
        return SearchRequest("GET", url, params=params, headers=profile.resolved_headers())

    def parse(self, body: str, store_id: str) -> ParsedPage:
        doc = load_json(body, store_id, "Flipp search response")
        items = require(doc, "items", store_id, "Flipp search response")
        page = ParsedPage(offers=[])
        for item in items or []:
            if not isinstance(item, dict) or not item.get("name"):
                page.skipped.append(Skip(str(item)[:60], "flyer item without a name"))
                continue
            page.offers.append(
                self._flyer_offer(
                    store_id,
                    item,
                    sku=str(item.get("flyer_item_id") or item.get("id")),
                    seller=item.get("merchant_name"),
                    price=to_decimal(item.get("current_price")),
                    pre=item.get("pre_price_text"),
                    post=item.get("post_price_text"),
                    regular=to_decimal(item.get("original_price")),
                )
            )
        for item in doc.get("ecom_items") or []:
            if not isinstance(item, dict) or not item.get("name"):
                page.skipped.append(Skip(str(item)[:60], "online item without a name"))
                continue
            page.offers.append(
                self._flyer_offer(
                    store_id,
                    item,
                    sku=str(item.get("sku") or item.get("item_id") or item.get("global_id")),
                    seller=item.get("merchant"),
                    price=to_decimal(item.get("current_price")),
                    regular=to_decimal(item.get("original_price")),
                )
            )
        return page


class FlippFlyerConnector(_FlippBase):
    """All items of one flyer; the query is matched here since the endpoint has no search."""

    name = "flipp-flyer"
    source_format = "flipp-flyer-items-json"
    server_side_search = False

    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        flyer_id = profile.search.get("flyer_id", "")
        url = f"{profile.base_url}/api/flipp/flyers/{flyer_id}/flyer_items"
        return SearchRequest("GET", url, params={"locale": "en"}, headers=profile.resolved_headers())

    def parse(self, body: str, store_id: str) -> ParsedPage:
        doc = load_json(body, store_id, "Flipp flyer items")
        if not isinstance(doc, list):
            raise ParseError(store_id, "Flipp flyer items: expected a list of items")
        page = ParsedPage(offers=[])
        for item in doc:
            if not isinstance(item, dict) or not item.get("name") or item.get("id") is None:
                page.skipped.append(Skip(str(item)[:60], "flyer item without a name or id"))
                continue
            page.offers.append(
                self._flyer_offer(store_id, item, sku=str(item["id"]), seller=None, price=to_decimal(item.get("price")))
            )
        return page
