"""What a resumed run keeps of a stopped one: finished searches rebuilt, failures by their class."""

from __future__ import annotations

from decimal import Decimal

from grocery_scanner.errors import ParseError
from grocery_scanner.models import Offer, Product, utcnow
from grocery_scanner.storage.recovery_records import FoundBefore
from grocery_scanner.storage.tables import SearchItemRow
from grocery_scanner.workflow.resume import Resume, finished_searches


def item(query: str, status: str, skus=None, failure: str | None = None, page: int = 0) -> SearchItemRow:
    now = utcnow()
    return SearchItemRow(
        id=hash((query, page)) % 1000, run_id="r", store_id="s", query=query, page=page, status=status,
        failure_class=failure, error="boom" if failure else None, skus=skus, created_at=now, finished_at=now,
    )  # fmt: skip


def offer(sku: str) -> Offer:
    product = Product(store_id="s", sku=sku, name=sku)
    return Offer(product=product, price=Decimal("1.99"), source_format="t", collection_method="t", confidence=1)


def test_finished_searches_are_rebuilt_and_failures_kept_or_retried_by_class() -> None:
    items = [
        item("milk", "done", ["a", "b"]),
        item("milk", "done", ["c"], page=1),
        item("eggs", "done", []),  # found nothing: finished all the same
        item("flour", "pending"),  # cut off by the crash
        item("sugar", "failed", failure="ParseError"),  # a layout change: asking again cannot mend it
        item("salt", "failed", failure="ServerError"),  # passing: tried again
        item("rice", "cached"),  # the cache answers again, costing no request
    ]
    offers = {("s", k): offer(k) for k in "abc"}
    finished = finished_searches(Resume({}, FoundBefore(items, offers)))
    assert set(finished) == {("s", "milk"), ("s", "eggs"), ("s", "sugar")}
    assert [o.product.sku for o in finished[("s", "milk")].offers] == ["a", "b", "c"]
    assert [p.page for p in finished[("s", "milk")].pages] == [0, 1]
    assert finished[("s", "eggs")].offers == [] and finished[("s", "eggs")].error is None
    assert isinstance(finished[("s", "sugar")].error, ParseError)


def test_a_search_whose_offers_are_missing_is_searched_again_and_said_so() -> None:
    resume = Resume({}, FoundBefore([item("milk", "done", ["a", "gone"])], {("s", "a"): offer("a")}))
    assert finished_searches(resume) == {}
    assert resume.problems == [f"search item {item('milk', 'done').id} (s: 'milk') lost its offers: searched again"]
