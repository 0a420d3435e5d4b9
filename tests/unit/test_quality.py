"""The quality gate's rules, remedies, anomaly tests, staleness watch and scores, one by one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from grocery_scanner.models import MultiBuy, Offer, Product, utcnow
from grocery_scanner.quality.anomalies import class_key, history_outlier, modified_z, peer_outliers
from grocery_scanner.quality.checks import validate
from grocery_scanner.quality.findings import Action, Kind
from grocery_scanner.quality.gate import QualityGate
from grocery_scanner.quality.scores import LOW, offer_score, source_weight
from grocery_scanner.quality.staleness import copied_prices, stated_age
from grocery_scanner.stores.pricetext import parse_size


def offer(
    price: str | None = "3.49",
    size: str | None = "500 g",
    shelf: str | None = "6.98",
    name: str = "Red Lentils",
    store: str = "a",
    sku: str | None = None,
    **fields,
) -> Offer:
    brand = fields.pop("brand", None)
    product = Product(store_id=store, sku=sku or name, name=name, size=parse_size(size), brand=brand)
    return Offer(
        product=product,
        price=Decimal(price) if price else None,
        shelf_unit_price=Decimal(shelf) if shelf else None,
        source_format=fields.pop("source_format", "pcexpress-product-search-json"),
        collection_method=fields.pop("collection_method", "search-api"),
        confidence=fields.pop("confidence", 0.95),
        **fields,
    )


def kinds(o: Offer) -> list[tuple[Kind, Action]]:
    return [(f.kind, f.action) for f in validate(o)[1]]


def test_a_consistent_offer_passes_untouched() -> None:
    clean = offer()
    assert validate(clean) == (clean, [])


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"name": ""}, Kind.INCOMPLETE),
        ({"currency": "USD"}, Kind.CURRENCY),
        ({"price": "1500.00", "shelf": None}, Kind.OUT_OF_RANGE),
        ({"size": "900 kg", "shelf": None}, Kind.ABSURD_SIZE),
        ({"regular_price": Decimal("2.99")}, Kind.SALE_ABOVE_REGULAR),
        ({"regular_price": Decimal("34.90")}, Kind.DEEP_DISCOUNT),
        ({"price": "34.90"}, Kind.DECIMAL_SHIFT),  # $6.98/kg x 500 g = $3.49, not $34.90
        ({"price": "6.98"}, Kind.PER_KG_AS_PRICE),  # the per-kg price read as the package's
        ({"size": "250 g"}, Kind.UNIT_PRICE_MISMATCH),  # x2: the size misread
    ],
)
def test_each_rule_quarantines_what_it_names(changes: dict, kind: Kind) -> None:
    assert kinds(offer(**changes)) == [(kind, Action.QUARANTINED)]


def test_a_small_disagreement_or_a_price_below_the_label_is_flagged_not_quarantined() -> None:
    # real labels: a 570 g bread at $3.99 printed $0.89/100 g (stale), so within 1.5x it is a doubt
    assert kinds(offer(size="400 g")) == [(Kind.UNIT_PRICE_MISMATCH, Action.FLAGGED)]
    # and a store's own broken label: 6 x 200 ml of milk at $6.79, "$565.83/100ml"
    broken_label = offer(price="6.79", size="6 x 200 ml", shelf="5658.30")
    assert kinds(broken_label) == [(Kind.UNIT_PRICE_MISMATCH, Action.FLAGGED)]


def test_the_label_may_follow_the_regular_member_or_multi_buy_price() -> None:
    assert kinds(offer(price="2.99", regular_price=Decimal("3.49"))) == []
    assert kinds(offer(price="3.99", multi_buy=MultiBuy(quantity=2, total=Decimal("6.98")))) == []


def test_an_offer_without_a_size_is_flagged() -> None:
    assert kinds(offer(size=None, shelf=None)) == [(Kind.INCOMPLETE, Action.FLAGGED)]


def test_cents_read_as_dollars_are_corrected_where_the_label_confirms_it() -> None:
    fixed, findings = validate(offer(price="349.00", regular_price=Decimal("399.00")))
    assert fixed.price == Decimal("3.49") and fixed.regular_price == Decimal("3.99")
    [finding] = findings
    assert (finding.kind, finding.action) == (Kind.CENTS_AS_DOLLARS, Action.REMEDIED)
    assert finding.before == {"price": "349.00", "regular_price": "399.00"}
    assert finding.after == {"price": "3.49", "regular_price": "3.99"}


def test_without_a_label_a_hundredfold_price_is_not_corrected() -> None:
    unlabelled = offer(price="349.00", shelf=None)
    assert validate(unlabelled) == (unlabelled, [])


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", Decimal("NaN")), ("price", Decimal("Infinity")), ("regular_price", float("nan")), ("price", "abc")],
)
def test_garbage_numbers_are_flagged_with_the_reason_never_a_crash(field: str, value: object) -> None:
    broken = offer().model_copy(update={field: value})  # as a careless connector could build it
    report = QualityGate().run([broken])
    [verdict] = report.verdicts.values()
    assert verdict.quarantined
    assert verdict.findings[0].kind in {Kind.NOT_FINITE, Kind.OUT_OF_RANGE}
    assert field.replace("_", " ") in verdict.reason or "price" in verdict.reason


def test_a_nan_pack_size_is_an_absurd_size() -> None:
    broken = offer(shelf=None)
    size = broken.product.size
    assert size is not None
    bad_size = size.model_copy(update={"each": size.each.model_copy(update={"amount": float("nan")})})
    broken = broken.model_copy(update={"product": broken.product.model_copy(update={"size": bad_size})})
    assert kinds(broken) == [(Kind.ABSURD_SIZE, Action.QUARANTINED)]


def test_modified_z_uses_the_median_absolute_deviation_then_its_fallbacks() -> None:
    assert modified_z(10.0, [1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(0.6745 * 7 / 1)
    # most of the history one price: MAD 0, the mean absolute deviation stands in
    assert modified_z(5.0, [3.0, 3.0, 3.0, 4.0]) == pytest.approx(2 / (1.253314 * 0.25))
    assert modified_z(3.0, [3.0, 3.0, 3.0]) == 0.0
    assert modified_z(4.0, [3.0, 3.0, 3.0]) == float("inf")


def test_history_outliers_must_be_far_and_material() -> None:
    usual = [3.49, 3.49, 3.29, 3.49, 3.59, 3.49]
    assert history_outlier(34.90, usual) is not None
    assert history_outlier(3.79, [3.49] * 10) is None  # a rise after months unchanged: real, z infinite
    assert history_outlier(34.90, [3.49, 3.49]) is None  # too little history for a verdict


def outlier(value: float, peers: list[float]) -> bool:
    return 0 in peer_outliers([value], peers)


def test_peer_outliers_need_two_peers_and_ties_go_against_the_high_price() -> None:
    assert outlier(34.90, [3.49, 3.29, 3.59])
    assert not outlier(3.49, [34.90, 3.29, 3.59])  # one odd peer never condemns a right price
    assert not outlier(34.90, [3.49])  # one against one: no verdict
    assert outlier(70.0, [7.0, 7.4, 3.3, 60.0, 85.0])  # three x10 among six
    assert not outlier(7.0, [70.0, 60.0, 85.0, 7.4, 3.3])
    assert outlier(0.35, [3.49, 3.29, 3.59, 3.39])  # far below four
    # in one batch: the high cluster goes, the low one stays
    assert set(peer_outliers([7.0, 7.4, 3.3, 70.0, 60.0, 85.0])) == {3, 4, 5}


def test_a_product_class_ignores_brand_size_and_neutral_words() -> None:
    assert class_key("Organic Red Onions 1.36 kg", None, "kg") == class_key("Red Onion", None, "kg")
    assert class_key("Maple Choice Red Onions", "Maple Choice", "kg") == ("kg", "onion", "red")
    assert class_key("Red Onion", None, "kg") != class_key("Red Onion", None, "ea")


def test_the_gate_quarantines_a_tenfold_price_among_other_stores_and_keeps_the_rest() -> None:
    offers = [
        offer(price="34.90", shelf="69.80", store="a"),  # consistent with its own label: only peers tell
        offer(price="3.49", store="b"),
        offer(price="3.29", shelf="6.58", store="c"),
        offer(price="3.59", shelf="7.18", store="d"),
    ]
    report = QualityGate().run(offers)
    assert [v.offer.product.store_id for v in report.quarantined] == ["a"]
    assert report.quarantined[0].findings[0].kind is Kind.PEER_OUTLIER
    assert report.stores["a"].as_dict()["accuracy"] == 0.0 and report.stores["b"].as_dict()["score"] == 100.0
    assert report.summary()["batch"] == {  # type: ignore[comparison-overlap]
        "offers": 4,
        "completeness": 100.0,
        "consistency": 100.0,
        "accuracy": 75.0,
        "score": 91.2,
    }


def test_the_gate_judges_by_history_and_by_reference_prices_from_earlier_runs() -> None:
    history = {("a", "Red Lentils"): [3.49, 3.49, 3.29, 3.49]}
    report = QualityGate().run([offer(price="34.90", shelf="69.80")], history=history)
    assert report.quarantined[0].findings[0].kind is Kind.HISTORY_OUTLIER
    reference = {class_key("Red Lentils", None, "kg"): [6.98, 6.58, 7.18]}
    report = QualityGate().run([offer(price="34.90", shelf="69.80")], reference=reference)  # type: ignore[dict-item]
    assert report.quarantined[0].findings[0].kind is Kind.PEER_OUTLIER


def test_source_weights_rank_api_over_page_data_over_html_over_flyer_over_stale() -> None:
    api = offer()
    page = offer(source_format="pcexpress-nextdata-tiles", collection_method="search-page")
    html = offer(source_format="metro-search-html", collection_method="search-page")
    flyer = offer(source_format="flipp-item-search-json", collection_method="flyer")
    stale = offer(tier="stale")
    weights = [source_weight(o) for o in (api, page, html, flyer, stale)]
    assert weights == sorted(weights, reverse=True) and len(set(weights)) == 5


def test_offer_scores_fall_with_age_and_doubt() -> None:
    now = utcnow()
    fresh = offer(observed_at=now)
    assert offer_score(fresh, [], now) == 0.95
    assert offer_score(offer(observed_at=now - timedelta(days=7)), [], now) == pytest.approx(0.475, abs=0.001)
    assert offer_score(fresh, [], now, store_flagged=True) < LOW


def test_staleness_a_frozen_last_modified_and_a_copied_feed() -> None:
    now = utcnow()
    old = [offer(store="a", source_modified_at=now - timedelta(days=20))]
    assert "20 days ago" in stated_age(old, 7, now)["a"]
    assert stated_age([offer(store="a", source_modified_at=now - timedelta(days=2))], 7, now) == {}
    same = [offer(name=f"P{i}", store=s) for i in range(25) for s in ("a", "b")]
    assert set(copied_prices(same)) == {"a", "b"}
    differ = [offer(name=f"P{i}", store="a") for i in range(25)]
    differ += [offer(name=f"P{i}", store="b", price="3.59", shelf=None) for i in range(25)]
    assert copied_prices(differ) == {}


def test_an_offer_nothing_can_vouch_for_is_marked_unverified() -> None:
    alone = offer(price="34.90", shelf="69.80")
    assert QualityGate().run([alone]).unverified == {("a", "Red Lentils")}
    history = {("a", "Red Lentils"): [34.90, 34.90, 34.90]}
    assert QualityGate().run([alone], history=history).unverified == set()
    three = [offer(store=s) for s in "abc"]
    assert QualityGate().run(three).unverified == set()
