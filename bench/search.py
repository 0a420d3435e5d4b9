"""Search 50 common ingredient queries across every demo store, then time parsing alone.

Prints progress to stderr and, as its last line, one JSON object:
queries, stores, requests, offers, wall_s, parse_offers_per_s, peak_rss_mb.
"""

from __future__ import annotations

import asyncio
import sys
import time

from common import FIXTURES, emit, peak_rss_mb
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.server import Simulator
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.stores.registry import get_connector
from grocery_scanner.workflow.stages import search_offers

QUERIES = [
    "milk",
    "eggs",
    "unsalted butter",
    "all-purpose flour",
    "white sugar",
    "brown sugar",
    "baking powder",
    "baking soda",
    "vanilla extract",
    "chicken breast",
    "chicken thighs",
    "ground beef",
    "bacon",
    "salmon",
    "shrimp",
    "onion",
    "garlic",
    "potatoes",
    "carrots",
    "celery",
    "tomatoes",
    "bell pepper",
    "spinach",
    "broccoli",
    "mushrooms",
    "lemons",
    "limes",
    "cilantro",
    "basil",
    "ginger",
    "rice",
    "spaghetti",
    "penne",
    "olive oil",
    "canola oil",
    "soy sauce",
    "chicken broth",
    "diced tomatoes",
    "tomato paste",
    "black beans",
    "chickpeas",
    "coconut milk",
    "cheddar cheese",
    "mozzarella",
    "parmesan",
    "sour cream",
    "greek yogurt",
    "bread",
    "tortillas",
    "ground cumin",
]
RECORDED = [
    ("pcexpress", "pcexpress/productfacade_v4_search_*.json"),
    ("pcexpress-nextdata", "pcexpress/nextdata_tiles_*.jsonl"),
    ("metro-html", "metro/*.html"),
    ("flipp", "flipp/flipp_search_*.json"),
    ("flipp-flyer", "flipp/flyer_items*/*.json"),
    ("voila", "voila/*.json"),
]


async def search_everything() -> tuple[int, int, int, float]:
    profiles = load_store_set("demo").select(None)
    settings = Settings(max_pages=2)
    settings.fetch_layers = [name for name in settings.fetch_layers if name != "cache"]  # the stores' own speed
    async with Simulator(profiles) as simulator, Services(settings).store_client() as client:
        started = time.perf_counter()
        found = await search_offers(client, simulator.resolve(profiles), QUERIES)
        results = [r for per_query in found.values() for r in per_query]
        wall = time.perf_counter() - started
    failures = [r for r in results if r.error]
    if failures:
        raise SystemExit(f"{len(failures)} searches failed, first: {failures[0].error}")
    return len(profiles), sum(r.requests for r in results), sum(len(r.offers) for r in results), wall


def parse_rate(min_seconds: float = 2.0) -> float:
    bodies = [(get_connector(c), p.read_text(encoding="utf-8")) for c, g in RECORDED for p in sorted(FIXTURES.glob(g))]
    if not bodies:
        raise SystemExit(f"no recorded responses under {FIXTURES}")
    offers, started = 0, time.perf_counter()
    while time.perf_counter() - started < min_seconds:
        for connector, body in bodies:
            offers += len(connector.parse(body, "bench").offers)
    return offers / (time.perf_counter() - started)


def main() -> None:
    stores, requests, offers, wall = asyncio.run(search_everything())
    print(f"searched {len(QUERIES)} queries at {stores} stores: {requests} requests, {offers} offers", file=sys.stderr)
    rate = parse_rate()
    emit(
        {
            "queries": len(QUERIES),
            "stores": stores,
            "requests": requests,
            "offers": offers,
            "wall_s": round(wall, 3),
            "parse_offers_per_s": round(rate),
            "peak_rss_mb": peak_rss_mb(),
        }
    )


if __name__ == "__main__":
    main()
