"""Relevance-ranked search over one store's catalog, the way store search boxes behave:
every query word must appear (plural or singular), shorter closer names rank first."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from grocery_scanner.simulator.catalog import CatalogProduct
from grocery_scanner.text import words


def _close(term: str, vocabulary: frozenset[str]) -> bool:
    """Store search boxes forgive a typo in a long word."""
    return len(term) >= 5 and any(len(w) >= 5 and fuzz.ratio(term, w) >= 85 for w in vocabulary)


@dataclass(frozen=True)
class _Indexed:
    product: CatalogProduct
    words: frozenset[str]
    name: str


class CatalogSearch:
    def __init__(self, products: tuple[CatalogProduct, ...]) -> None:
        self._items = [_Indexed(p, frozenset(words(p.search_text)), p.name.lower()) for p in products]

    def search(self, query: str) -> list[CatalogProduct]:
        terms = set(words(query))
        if not terms:
            return []
        scored = []
        for item in self._items:
            hits = sum(1 for t in terms if t in item.words or _close(t, item.words))
            if hits == len(terms):
                scored.append((1.0, fuzz.ratio(query.lower(), item.name), item.product))
            elif hits * 2 > len(terms):
                scored.append((hits / len(terms), fuzz.ratio(query.lower(), item.name), item.product))
        if any(s[0] == 1.0 for s in scored):
            scored = [s for s in scored if s[0] == 1.0]
        scored.sort(key=lambda s: (-s[0], -s[1], s[2].key))
        return [s[2] for s in scored]
