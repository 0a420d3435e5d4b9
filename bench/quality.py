"""The quality gate against injected anomalies, over the demo stores' whole assortments and a simulated
price history.

Every product of the four demo stores (about 6,400 offers) is rendered in its store's own wire format and
read back by its connector, so the gate sees what a live search gives it: the store's own unit price where
the format prints one (three of the four). A price history of twelve weekly observations is simulated for
each product (its regular price with 3% noise; a fifth of products had one 8% rise). Then 5% of offers,
drawn at random, get one anomaly each, in equal shares:

- decimal_shift: price, regular price and label all ten times too high (a wrong catalog entry: only
  history and other stores can tell);
- decimal_shift_price: the price alone ten times too high (its label intact);
- cents_as_dollars: price and regular price a hundred times too high;
- per_kg_as_price: the store's unit price read as the package's price (offers with a label, not 1 kg);
- wrong_size: the pack size read 20% small (a 200 ml for a 250 ml product);
- sale_above_regular: the price above the regular one;
- bad_number: a NaN price; foreign_currency: priced in USD.

An offer counts as detected when the gate says anything of it (flag, remedy or quarantine). Figures:
recall_by_kind, precision_by_kind (by the kind of finding: the share of offers it was raised on that had an
anomaly), recall, precision, clean_false_positive_rate (the same offers and history, nothing injected),
offers_per_s (the gate's own time over the injected batch, history checks included; the median of five
runs), and the two store-level
staleness signs on a copied feed and a frozen Last-Modified. Last line: one JSON object.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from common import emit
from grocery_scanner.models import Offer, PackSize, Quantity, utcnow
from grocery_scanner.models.offer import money
from grocery_scanner.quality.gate import QualityGate
from grocery_scanner.quality.staleness import copied_prices, stated_age
from grocery_scanner.simulator import formats
from grocery_scanner.simulator.catalog import build_catalog
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.stores.registry import get_connector

RATE = 0.05
TIMED_RUNS = 5
KINDS = (
    "decimal_shift",
    "decimal_shift_price",
    "cents_as_dollars",
    "per_kg_as_price",
    "wrong_size",
    "sale_above_regular",
    "bad_number",
    "foreign_currency",
)


def demo_offers() -> list[Offer]:
    offers = []
    for profile in load_store_set("demo").select(None):
        catalog = list(build_catalog(profile.id, (profile.simulator or {}).get("house_brand", profile.name), 42))
        page = formats.Page(catalog, 0, len(catalog), len(catalog), "", False)
        offers += get_connector(profile.connector).parse(formats.RENDERERS[profile.connector](page), profile.id).offers
    return [o for o in offers if o.price is not None]


def history_of(offers: list[Offer], rng: random.Random) -> dict[tuple[str, str], list[float]]:
    history = {}
    for o in offers:
        regular = float(o.regular_price or o.price or 0)
        rise = rng.random() < 0.2
        weeks = [regular / (1.08 if rise and week >= 6 else 1.0) for week in range(12)]
        history[(o.product.store_id, o.product.sku)] = [round(w * math.exp(rng.gauss(0, 0.03)), 2) for w in weeks]
    return history


def inject(offer: Offer, kind: str) -> Offer | None:
    """The offer with one anomaly of `kind`, or None where the kind cannot apply to it."""
    price, regular = offer.price, offer.regular_price or offer.price
    assert price is not None and regular is not None
    size = offer.product.size
    if kind == "decimal_shift":
        shelf = offer.shelf_unit_price * 10 if offer.shelf_unit_price else None
        return offer.model_copy(update=dict(price=price * 10, regular_price=regular * 10, shelf_unit_price=shelf))
    if kind == "decimal_shift_price":
        return offer.model_copy(update=dict(price=price * 10, regular_price=regular * 10))
    if kind == "cents_as_dollars":
        return offer.model_copy(update=dict(price=price * 100, regular_price=regular * 100))
    if kind == "per_kg_as_price":
        total = size.total.amount if size else None
        if offer.shelf_unit_price is None or total is None or abs(total - 1000) < 50 or offer.sold_by != "each":
            return None
        return offer.model_copy(update=dict(price=offer.shelf_unit_price, regular_price=offer.shelf_unit_price))
    if kind == "wrong_size":
        if size is None or offer.sold_by != "each":
            return None
        smaller = PackSize(count=size.count, each=Quantity(amount=size.each.amount * 0.8, unit=size.each.unit))
        return offer.model_copy(update=dict(product=offer.product.model_copy(update=dict(size=smaller))))
    if kind == "sale_above_regular":
        return offer.model_copy(update=dict(price=money(regular * Decimal("1.3"))))
    if kind == "bad_number":
        return offer.model_copy(update=dict(price=Decimal("NaN")))
    return offer.model_copy(update=dict(currency="USD"))


def main() -> None:
    rng = random.Random(7)
    clean = demo_offers()
    history = history_of(clean, rng)
    gate = QualityGate()

    clean_report = gate.run(clean, history)
    false_alarms = sum(1 for v in clean_report.verdicts.values() if v.findings)

    injected: dict[tuple[str, str], str] = {}
    batch, drawn = [], 0
    for offer in clean:
        changed = None
        if rng.random() < RATE:  # the kinds in turn; one that cannot apply to this offer passes to the next
            drawn += 1
            for kind in KINDS[drawn % len(KINDS) :] + KINDS[: drawn % len(KINDS)]:
                if (changed := inject(offer, kind)) is not None:
                    injected[(offer.product.store_id, offer.product.sku)] = kind
                    break
        batch.append(changed or offer)
    timings = []
    for _ in range(TIMED_RUNS):  # this machine's timings wander by 2x from run to run: the median of five
        started = time.perf_counter()
        report = gate.run(batch, history)
        timings.append(time.perf_counter() - started)
    elapsed = statistics.median(timings)

    detected = {key for key, v in report.verdicts.items() if v.findings}
    by_kind: dict[str, list[bool]] = {}
    for key, kind in injected.items():
        by_kind.setdefault(kind, []).append(key in detected)
    raised: dict[str, list[bool]] = {}
    for key, verdict in report.verdicts.items():
        for finding_kind in {f.kind.value for f in verdict.findings}:
            raised.setdefault(finding_kind, []).append(key in injected)

    now = utcnow()
    copied = [o.model_copy(update=dict(product=o.product.model_copy(update=dict(store_id="copycat")))) for o in clean]
    copy_flags = copied_prices([*clean, *copied])
    frozen = [o.model_copy(update=dict(source_modified_at=now - timedelta(days=30))) for o in clean[:50]]
    figures: dict[str, Any] = {
        "offers": len(batch),
        "injected": len(injected),
        "injected_by_kind": dict(sorted(Counter(injected.values()).items())),
        "recall_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())},
        "precision_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(raised.items())},
        "recall": round(len(detected & injected.keys()) / len(injected), 3),
        "precision": round(len(detected & injected.keys()) / max(len(detected), 1), 3),
        "quarantined": len(report.quarantined),
        "remedied": len(report.remedied),
        "clean_false_positive_rate": round(false_alarms / len(clean), 4),
        "offers_per_s": round(len(batch) / elapsed),
        "copied_feed_detected": "copycat" in copy_flags,
        "frozen_store_detected": bool(stated_age(frozen, 7, now)),
    }
    emit(figures)


if __name__ == "__main__":
    main()
