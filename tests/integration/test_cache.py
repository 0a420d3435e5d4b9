"""The cache layer in the fetch chain, over real HTTP to the simulator and a real SQLite file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from grocery_scanner.cache.layer import CacheLayer
from grocery_scanner.errors import ParseError
from grocery_scanner.models import utcnow
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.faults import Faults
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
QUIET = {"latency_ms_median": 0, "latency_ms_p95": 0}


async def test_a_repeated_plan_asks_no_store_and_says_its_prices_are_cached(tmp_path: Path, line_parser) -> None:
    settings = Settings(data_dir=tmp_path, max_pages=1)
    request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")])
    db = await Database.open(database_url(settings))
    try:
        first = await run_plan(request, Services(settings, line_parser=line_parser), db)
        second = await run_plan(request, Services(settings, line_parser=line_parser), db)  # a new process
        async with db.session() as session:
            items = await repository.search_items(session, second.run_id)
            health = await repository.search_outcomes(session, utcnow() - timedelta(hours=1))
    finally:
        await db.close()
    assert sum(first.stats["requests_per_store"].values()) > 0
    assert second.stats["requests_per_store"] == {} and second.stats["requests"] == 0  # all from the cache
    assert items and all(i.status == "cached" for i in items)  # done, without a request
    assert sum(len(o) for o in health.values()) == first.stats["requests"]  # only real calls judge a store
    assert second.plan.total == first.plan.total
    assert all(line.tier == "cache" for line in second.plan.lines)
    assert second.stats["offers_recorded"] == 0  # recorded once, when the stores answered


async def test_a_hit_is_promoted_and_an_unreadable_answer_is_not_served_again(simulator, live_profiles) -> None:
    settings = Settings(max_pages=1)
    profile = live_profiles["harbour-foods"]
    store = simulator.stores["harbour-foods"]
    async with Services(settings).store_client() as client:
        await client.fetch_page(profile, "rice", 0)
    async with Services(settings).store_client() as client:  # a new process: memory empty, disk warm
        cache = client.fetcher.layers["cache"]
        assert isinstance(cache, CacheLayer)
        await client.fetch_page(profile, "rice", 0)
        await client.fetch_page(profile, "rice", 0)
        assert cache.hits == {"disk": 1, "memory": 1} and store.requests == 1  # promoted on the first hit

        simulator.set_faults("harbour-foods", Faults(**QUIET, malformed_rate=1.0))
        with pytest.raises(ParseError):  # a 200 the connector cannot read
            await client.fetch_page(profile, "beans", 0)
        simulator.set_faults("harbour-foods", Faults(**QUIET))
        page = await client.fetch_page(profile, "beans", 0)  # forgotten: asked again, not served broken
        assert page.offers and store.requests == 3


def test_cache_warm_asks_the_stores_for_the_most_searched_queries_once(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "GROCERY_DATA_DIR": str(tmp_path)}

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "grocery_scanner", *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "no search in the history" in cli("cache", "warm")
    cli("search", "milk", "eggs", "-f", "json")
    cli("search", "milk", "-f", "json")
    assert "dropped 16 cached answer(s)" in cli("cache", "clear")  # 2 queries x 4 stores x 2 pages
    assert "warmed 1 queries: 4 searches, 0 already fresh in the cache, 4 asked" in cli("cache", "warm", "--top", "1")
    assert "4 already fresh in the cache, 0 asked" in cli("cache", "warm", "--top", "1")  # milk: most searched


async def test_a_query_meaning_a_cached_one_is_served_its_answer_a_near_miss_is_not(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_pages=1, semantic_cache=True)
    async with Services(settings) as services, services.stores(store_ids=["maple-market"]) as stores:
        maple = stores.profiles[0]
        for query in ("all purpose flour", "sweetened condensed milk"):
            assert (await stores.client.search(maple, query)).requests == 1
        paraphrase = await stores.client.search(maple, "all-purpose flour")
        near_miss = await stores.client.search(maple, "unsweetened condensed milk")
        semantic = services.semantic()
        assert semantic is not None and semantic.served == 1
    assert paraphrase.requests == 0 and paraphrase.offers and all(o.tier == "cache" for o in paraphrase.offers)
    assert near_miss.requests == 1  # asked of the store: similar words, another product
