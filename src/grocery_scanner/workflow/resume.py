"""What a stopped run had done, made ready to go on from: its checkpoints and its finished searches.

A finished search is rebuilt from its search items (the products each page found) and the offers the
run recorded, so it is not sent to the store again; one that failed for good (blocked, a page its
connector cannot read) stays failed, one that failed for a passing reason is tried again. Anything
unreadable is reported and redone: the rest of the run still resumes."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from grocery_scanner import errors
from grocery_scanner.storage.recovery_records import FoundBefore
from grocery_scanner.storage.tables import SearchItemRow
from grocery_scanner.stores.client import PageOutcome, StoreResult


@dataclass
class Resume:
    checkpoints: dict[str, str]  # stage -> its output, as JSON
    before: FoundBefore
    problems: list[str] = field(default_factory=list)  # what could not be read back, and was redone
    started: float = field(default_factory=time.perf_counter)  # when the resume began (monotonic)


def finished_searches(resume: Resume) -> dict[tuple[str, str], StoreResult]:
    """The searches the run finished with an answer, rebuilt; a search item that cannot be read back
    (or whose offers are missing) is reported and left to be searched again."""
    by_search: dict[tuple[str, str], list[SearchItemRow]] = {}
    for item in resume.before.items:
        by_search.setdefault((item.store_id, item.query), []).append(item)
    finished = {}
    for (store_id, query), items in by_search.items():
        if failed := [i for i in items if i.status in ("failed", "dead")]:
            if failed[-1].status == "dead" or _permanent(failed[-1].failure_class):  # asking again cannot mend it
                finished[(store_id, query)] = _failed(store_id, query, failed[-1])
            continue  # otherwise tried again
        if any(item.status != "done" for item in items):
            continue  # pending (cut off) or served by the cache (costs no request again)
        rebuilt = _rebuilt(store_id, query, sorted(items, key=lambda i: i.page), resume)
        if rebuilt is not None:
            finished[(store_id, query)] = rebuilt
    return finished


def _rebuilt(store_id: str, query: str, items: Iterable[SearchItemRow], resume: Resume) -> StoreResult | None:
    result = StoreResult(store_id, query)
    for item in items:
        skus = item.skus
        if not isinstance(skus, list) or not all(isinstance(s, str) for s in skus):
            resume.problems.append(f"search item {item.id} ({store_id}: {query!r}) was unreadable: searched again")
            return None
        offers = [resume.before.offers.get((store_id, sku)) for sku in skus]
        if any(o is None for o in offers):
            resume.problems.append(f"search item {item.id} ({store_id}: {query!r}) lost its offers: searched again")
            return None
        result.offers.extend(o for o in offers if o is not None)
        latency = item.latency_ms / 1000 if item.latency_ms is not None else None
        started = item.started_at or item.created_at
        finished = item.finished_at or started
        result.pages.append(PageOutcome(item.page, started, finished, len(skus), latency_s=latency, skus=tuple(skus)))
    return result


def _permanent(failure_class: str | None) -> bool:
    kind = getattr(errors, failure_class or "", None)
    return isinstance(kind, type) and issubclass(kind, errors.FetchError) and kind.permanent


def _failed(store_id: str, query: str, item: SearchItemRow) -> StoreResult:
    kind = getattr(errors, item.failure_class or "")
    error = kind(store_id, item.error or "failed")
    started = item.started_at or item.created_at
    outcome = PageOutcome(item.page, started, item.finished_at or started, error=error)
    return StoreResult(store_id, query, pages=[outcome], error=error)
