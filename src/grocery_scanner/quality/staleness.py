"""The staleness watch on one batch: a store whose data stopped updating, or that copies another's.

Users of other price trackers found out weeks late that a store's feed had frozen. Two signs are read
from the batch itself: the store's own Last-Modified, and prices identical to another store's on every
product they share (two stores price independently; identical prices mean one feed stands in for
another). The third, prices unchanged in the history, is read from the database (quality_records)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from grocery_scanner.models import Offer

MIN_SHARED = 20  # products two stores must share before their prices are compared
IDENTICAL = 0.95  # the share of shared products at the very same price that means a copied feed


def stated_age(offers: Sequence[Offer], days: int, now: datetime) -> dict[str, str]:
    """Stores whose newest Last-Modified in the batch is older than `days`."""
    newest: dict[str, datetime] = {}
    for offer in offers:
        if (modified := offer.source_modified_at) is not None:
            store = offer.product.store_id
            newest[store] = max(newest.get(store, modified), modified)
    return {
        store: f"the store says its prices last changed on {when:%Y-%m-%d}, {(now - when).days} days ago"
        for store, when in newest.items()
        if now - when > timedelta(days=days)
    }


def copied_prices(offers: Sequence[Offer], names: dict[str, str] | None = None) -> dict[str, str]:
    """Stores whose prices equal another store's on (nearly) every product both sell."""
    prices: dict[str, dict[tuple[str, str | None, str | None], object]] = {}
    for offer in offers:
        if offer.price is not None:
            product = offer.product
            prices.setdefault(product.store_id, {})[(product.name, product.brand, str(product.size))] = offer.price
    flagged: dict[str, str] = {}
    stores = sorted(prices)
    for i, first in enumerate(stores):
        for second in stores[i + 1 :]:
            shared = prices[first].keys() & prices[second].keys()
            if len(shared) < MIN_SHARED:
                continue
            same = sum(prices[first][k] == prices[second][k] for k in shared)
            if same >= IDENTICAL * len(shared):
                label = (names or {}).get
                flagged[first] = f"prices identical to {label(second, second)} on {same} of {len(shared)} products"
                flagged[second] = f"prices identical to {label(first, first)} on {same} of {len(shared)} products"
    return flagged
