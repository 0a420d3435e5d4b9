"""The shared real catalogs (../shared/catalogs/) served the way the simulator serves a store.

Each catalog is searched like a store's search box (simulator.search), the results rendered as
voila search JSON (the format the independent checks serve real catalogs in) and read back by the
voila connector, so names, sizes and aisles reach the matcher exactly as a live run would see them.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from common import ROOT
from grocery_scanner.models import Offer
from grocery_scanner.simulator import formats
from grocery_scanner.simulator.assortment import SHARED_CATALOGS, load_assortment
from grocery_scanner.simulator.search import CatalogSearch
from grocery_scanner.stores.registry import get_connector

CATALOGS_DIR = Path(os.environ.get("GROCERY_CATALOGS_DIR", ROOT.parent / "shared" / "catalogs"))
CATALOGS = SHARED_CATALOGS
PAGE_SIZE = 24
PAGES = 2  # the default `max_pages`


@cache
def catalog_search(catalog: str) -> CatalogSearch:
    return CatalogSearch(load_assortment(CATALOGS_DIR / CATALOGS[catalog]))


def search(catalog: str, query: str, pages: int = PAGES) -> list[Offer]:
    """The offers a store serving `catalog` returns for `query` on its first pages."""
    hits = catalog_search(catalog).search(query)
    connector = get_connector("voila")
    offers: list[Offer] = []
    for number in range(pages):
        chunk = hits[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        if not chunk:
            break
        page = formats.Page(chunk, number, PAGE_SIZE, len(hits), query)
        offers.extend(connector.parse(formats.voila(page), catalog).offers)
    return offers


@cache
def catalog_names(catalog: str) -> dict[str, str]:
    """The catalog name of each product, by the sku its voila rendering carries."""
    return {f"{formats.sku(p)}EA": p.name for p in load_assortment(CATALOGS_DIR / CATALOGS[catalog])}


@cache
def catalog_sized_names(catalog: str) -> dict[str, str]:
    """`name [size]` of each product by sku, as real_candidates.py prints it: a label for one of several
    products sharing a name ("Red Kidney Beans [900 g]", the dried bag, not the cans)."""
    assortment = load_assortment(CATALOGS_DIR / CATALOGS[catalog])
    return {f"{formats.sku(p)}EA": f"{p.name} [{p.size_text}]" for p in assortment}
