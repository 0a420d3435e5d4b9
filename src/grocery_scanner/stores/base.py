"""What every connector provides: a search request for a query, and offers from a response."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Offer, PackSize, Quantity, Unit
from grocery_scanner.models.offer import money
from grocery_scanner.stores.pricetext import per_kg

if TYPE_CHECKING:
    from grocery_scanner.stores.profiles import StoreProfile

HUNDRED_GRAMS = PackSize(each=Quantity(amount=100, unit=Unit.G), approximate=True)


@dataclass(frozen=True)
class SearchRequest:
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    json_body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Skip:
    """A product in a response that did not become an offer, and why."""

    name: str
    reason: str


@dataclass
class ParsedPage:
    offers: list[Offer]
    skipped: list[Skip] = field(default_factory=list)
    has_next: bool = False
    total_results: int | None = None
    latency_s: float | None = None  # the store's own answer time (set by the client, not the connector)
    cache_tier: str | None = None  # the cache tier it was read from; None: the store answered now


class Connector(ABC):
    """One data format. Stateless: the store profile carries everything store-specific."""

    name: ClassVar[str]
    source_format: ClassVar[str]
    collection_method: ClassVar[str]
    confidence: ClassVar[float]
    server_side_search: ClassVar[bool] = True

    @abstractmethod
    def build_request(self, profile: StoreProfile, query: str, page: int) -> SearchRequest:
        """The HTTP request for one page (0-based) of search results."""

    @abstractmethod
    def parse(self, body: str, store_id: str) -> ParsedPage:
        """Offers from one response body; raises ParseError when its structure is missing."""

    def offer(self, store_id: str, **fields: Any) -> Offer:
        """An Offer stamped with this connector's source, method and base confidence."""
        fields.setdefault("confidence", self.confidence)
        return Offer(source_format=self.source_format, collection_method=self.collection_method, **fields)


def load_json(body: str, store_id: str, what: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(store_id, f"{what} is not valid JSON ({exc.msg} at char {exc.pos})") from exc


def require(container: Any, path: str, store_id: str, what: str) -> Any:
    """Walk a dotted path through nested dicts; ParseError naming the first missing key."""
    node = container
    walked: list[str] = []
    for key in path.split("."):
        walked.append(key)
        if not isinstance(node, dict) or key not in node:
            raise ParseError(store_id, f"{what} has no '{'.'.join(walked)}'")
        node = node[key]
    return node


def by_weight(price_per_kg: Decimal) -> tuple[PackSize, Decimal]:
    """An item sold by weight with no item weight is offered in 100 g steps."""
    return HUNDRED_GRAMS, money(price_per_kg / 10)


@dataclass(frozen=True)
class WeightPricing:
    size: PackSize
    price: Decimal  # one 100 g step
    regular_price: Decimal | None  # one 100 g step
    price_per_kg: Decimal


def weight_pricing(price: Decimal | None, regular: Decimal | None, basis: str | None) -> WeightPricing | None:
    """Prices quoted per kg, lb or 100 g, as 100 g steps; None when the basis is not a weight."""
    price_per_kg = per_kg(price, basis) if price is not None else None
    if price_per_kg is None:
        return None
    size, step = by_weight(price_per_kg)
    regular_per_kg = per_kg(regular, basis) if regular is not None else None
    regular_step = by_weight(regular_per_kg)[1] if regular_per_kg is not None else None
    return WeightPricing(size, step, regular_step, price_per_kg)


def clean(text: object) -> str:
    """A name with its runs of whitespace folded."""
    return " ".join(str(text).split())


def estimated_weight(price: Decimal, price_per_kg: Decimal) -> PackSize:
    """The approximate weight of one item from its average price and its price per kg."""
    grams = round(float(price / price_per_kg) * 1000, 1)
    return PackSize(each=Quantity(amount=grams, unit=Unit.G), approximate=True)


def is_json_lines(text: str) -> bool:
    """A file of recorded items, one JSON object a line (as scrapers save them)."""
    text = text.lstrip()
    return text.startswith("{") and "\n{" in text


def recorded_lines(text: str, store_id: str) -> list[Any]:
    """The items of a JSON-lines recording; each line is the item, or wraps it in `raw_source.data`."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ParseError(store_id, f"line {number} is not valid JSON ({exc.msg})") from exc
        raw = record.get("raw_source") if isinstance(record, dict) else None
        items.append((raw.get("data") if isinstance(raw, dict) else None) or record)
    return items
