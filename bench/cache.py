"""The cache on a repeated workload, against the simulator.

`--requests` plan requests (default 2,000), each of 3 to 8 ingredients drawn from a Zipf distribution
(s = 1.1) over 300 ingredient queries (the demo catalog's products), are searched at the four demo
stores through the fetch chain with its cache (memory and disk tiers, a fresh database). Before, the
cache is warmed with the 100 most requested queries, as `cache warm` does from the history. Only what
the cache changes is run: each plan's search requests (first result page) through the chain; parsing
and matching come after the chain and are the same whether an answer was cached or not.

Figures (last line, JSON): requests, lookups (store requests the plans asked of the chain),
hit_rate (lookups answered by a tier, after warming; target >= 0.90), hit_rate_by_tier,
upstream_requests_saved (lookups not sent to a store), store_requests (sent), l1_p99_ms (a memory hit
through the cache layer, key included; target <= 0.1); and for the semantic tier, on the labelled
query pairs of bench/data/cache_pairs/pairs.txt (written by a writer who had not seen the rules that
decide them): for each pair, the first query is remembered as answered at a store and the second one
asked; semantic_false_hits counts "different" pairs served the first query's answer (target 0),
semantic_true_hits_ratio the share of "same" pairs served it, with semantic_pairs the counts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from common import emit
from grocery_scanner.cache.layer import CacheLayer
from grocery_scanner.cache.semantic import SemanticQueries
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.catalog import base_items
from grocery_scanner.stores.registry import get_connector

INGREDIENTS = 300
WARM_TOP = 100
PAIRS = Path(__file__).parent / "data" / "cache_pairs" / "pairs.txt"


def ingredient_queries() -> list[str]:
    """The catalog's products by name, then their organic and branded names, to 300."""
    items = base_items()
    names = [i.name.lower() for i in items]
    organic = [f"organic {i.name.lower()}" for i in items if i.organic]
    branded = [f"{i.brands[0]} {i.name}".lower() for i in items if i.brands]
    return list(dict.fromkeys(names + organic + branded))[:INGREDIENTS]


def plans(queries: list[str], count: int, rng: random.Random) -> list[list[str]]:
    weights = [1 / (rank**1.1) for rank in range(1, len(queries) + 1)]
    return [list(dict.fromkeys(rng.choices(queries, weights, k=rng.randint(3, 8)))) for _ in range(count)]


async def semantic_figures(folder: Path) -> dict[str, object]:
    pairs = [
        [part.strip() for part in line.split("|")] for line in PAIRS.read_text("utf-8").splitlines() if line.strip()
    ]
    semantic = SemanticQueries(str(folder))
    served = {"same": 0, "different": 0}
    counts = {"same": 0, "different": 0}
    try:
        for n, (first, second, label, _reason) in enumerate(pairs):
            await semantic.remember(f"pair-{n}", first)  # one store per pair: nothing else to find
            served[label] += await semantic.equivalent(f"pair-{n}", second) == first
            counts[label] += 1
    finally:
        await semantic.aclose()
    return {
        "semantic_false_hits": served["different"],
        "semantic_true_hits_ratio": round(served["same"] / counts["same"], 3),
        "semantic_pairs": counts,
    }


async def main(requests: int) -> None:
    queries = ingredient_queries()
    assert len(queries) == INGREDIENTS, len(queries)
    workload = plans(queries, requests, random.Random(7))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), max_pages=1)
        async with Services(settings) as services, services.stores() as stores:
            cache = stores.client.fetcher.layers["cache"]
            assert isinstance(cache, CacheLayer)
            chain = stores.client.fetcher

            async def look(query: str) -> list[tuple[str | None, float]]:
                timed = []
                for profile in stores.profiles:
                    request = get_connector(profile.connector).build_request(profile, query, 0)
                    started = time.perf_counter()
                    fetched = await chain.fetch(profile, request)
                    timed.append((fetched.cache_tier, time.perf_counter() - started))
                return timed

            await asyncio.gather(*(look(q) for q in queries[:WARM_TOP]))  # warming: the most requested
            cache.hits.clear()
            sent_before = sum(stores.client.requests_per_store().values())
            timings: list[tuple[str | None, float]] = []
            for plan in workload:
                for result in await asyncio.gather(*(look(q) for q in plan)):
                    timings.extend(result)
            sent = sum(stores.client.requests_per_store().values()) - sent_before
        semantic = await semantic_figures(Path(tmp) / "qdrant")
    lookups = len(timings)
    hits = sum(cache.hits.values())
    memory = sorted(seconds for tier, seconds in timings if tier == "memory")
    emit(
        {
            "requests": requests,
            "lookups": lookups,
            "hit_rate": round(hits / lookups, 4),
            "hit_rate_by_tier": {tier: round(n / lookups, 4) for tier, n in cache.hits.items()},
            "upstream_requests_saved": lookups - sent,
            "store_requests": sent,
            "l1_p99_ms": round(statistics.quantiles(memory, n=100)[98] * 1000, 4) if len(memory) > 1 else None,
            **semantic,
        }
    )


if __name__ == "__main__":
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--requests", type=int, default=2000)
    asyncio.run(main(options.parse_args().requests))
