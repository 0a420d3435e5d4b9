"""The quality gate on real recorded store responses (../shared/fixtures): the stores' own unit prices
are read, and nothing real is quarantined."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from grocery_scanner.quality.findings import Action
from grocery_scanner.quality.gate import QualityGate
from grocery_scanner.stores.registry import get_connector
from tests.unit.test_connectors_fixtures import FILES, _files


@pytest.mark.parametrize(("connector", "pattern", "count"), FILES, ids=[f[0] for f in FILES])
def test_no_real_offer_is_quarantined(fixtures_dir: Path, connector: str, pattern: str, count) -> None:
    offers = []
    for path in _files(fixtures_dir, pattern):
        offers += get_connector(connector).parse(path.read_text(encoding="utf-8"), path.stem).offers
    report = QualityGate().run(offers)
    assert report.quarantined == []
    # the doubts it does raise on real data are few: labels that disagree, flyer items without a size
    flagged = [v for v in report.verdicts.values() if any(f.action is Action.FLAGGED for f in v.findings)]
    sized = [v for v in flagged if v.offer.product.size is not None]
    assert len(sized) <= 0.01 * len(offers) + 1  # 1 of 202 No Frills tiles: its label says $565.83/100ml


@pytest.mark.parametrize(
    ("connector", "file", "name", "shelf"),
    [
        # a stale label: $3.99 for 570 g is $7.00/kg, the store prints $0.89/100 g
        ("pcexpress", "pcexpress/productfacade_v4_search_superstore_store1077_bread_2023-07-12.json",
         "7 Grain Bread, Sliced", "8.90"),
        ("metro-html", "metro/metro_search_results_reduced_2026-09-20.html",
         "Baby Cereals, Rice & Banana, Stage 2", "30.00"),  # "$0.03 /1g"
    ],
)  # fmt: skip
def test_the_stores_own_unit_price_is_read(fixtures_dir: Path, connector, file, name, shelf) -> None:
    page = get_connector(connector).parse((fixtures_dir / file).read_text(encoding="utf-8"), "fixture")
    [offer] = [o for o in page.offers if o.product.name == name]
    assert offer.shelf_unit_price == Decimal(shelf)


def test_voila_labels_give_the_unit_price_and_currency(fixtures_dir: Path) -> None:
    offers = [
        o
        for path in _files(fixtures_dir, "voila/*.json")
        for o in get_connector("voila").parse(path.read_text(encoding="utf-8"), "fixture").offers
    ]
    assert offers and all(o.currency == "CAD" and o.shelf_unit_price is not None for o in offers)
