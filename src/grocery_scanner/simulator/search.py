"""Relevance-ranked search over one store's catalog, the way store search boxes behave:
names with every query word first (plural or singular, or a near spelling of a long word), then
names with at least half of them; shorter, closer names rank first."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from grocery_scanner.simulator.catalog import CatalogProduct
from grocery_scanner.text import words


@dataclass(frozen=True)
class _Indexed:
    product: CatalogProduct
    words: frozenset[str]
    name: str


class CatalogSearch:
    def __init__(self, products: tuple[CatalogProduct, ...]) -> None:
        self._items = [_Indexed(p, frozenset(words(p.search_text)), p.name.lower()) for p in products]
        self._vocabulary = sorted({w for item in self._items for w in item.words if len(w) >= 5})

    def _spellings(self, term: str) -> frozenset[str]:
        """The term and, for a long word, the catalog's words within a typo of it."""
        if len(term) < 5:
            return frozenset({term})
        close = process.extract(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=85, limit=None)
        return frozenset({term, *(word for word, _, _ in close)})

    def search(self, query: str) -> list[CatalogProduct]:
        spellings = [self._spellings(t) for t in set(words(query))]
        if not spellings:
            return []
        scored = []
        for item in self._items:
            hits = sum(1 for options in spellings if options & item.words)
            if hits == len(spellings):
                scored.append((1.0, fuzz.ratio(query.lower(), item.name), item.product))
            elif hits * 2 >= len(spellings):
                scored.append((hits / len(spellings), fuzz.ratio(query.lower(), item.name), item.product))
        scored.sort(key=lambda s: (-s[0], -s[1], s[2].key))
        return [s[2] for s in scored]
