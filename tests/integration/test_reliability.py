"""The reliability layers over real HTTP, driven by the simulator's fault injection and counted at the store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from grocery_scanner.errors import Blocked, CircuitOpen, RateLimited, ServerError
from grocery_scanner.reliability.breaker import BreakerState
from grocery_scanner.reliability.policies import BreakerPolicy, RetryPolicy
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.faults import Faults
from grocery_scanner.simulator.server import Simulator
from grocery_scanner.stores.client import StoreClient
from grocery_scanner.stores.profiles import StoreProfile

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
QUIET = {"latency_ms_median": 0, "latency_ms_p95": 0}


def _profile(base: StoreProfile, **changes: Any) -> StoreProfile:
    return base.model_copy(update=changes)


def _client() -> StoreClient:
    """Every fetch asks the store: the cache is left out."""
    settings = Settings(max_pages=1)
    settings.fetch_layers = [name for name in settings.fetch_layers if name != "cache"]
    return Services(settings).store_client()


def _breaker(client: StoreClient, store_id: str):
    return client.fetcher.layers["breaker"].breakers[store_id]  # type: ignore[attr-defined]


async def test_the_breaker_opens_at_its_threshold_probes_one_at_a_time_and_closes(
    simulator: Simulator, live_profiles
) -> None:
    store = simulator.stores["harbour-foods"]
    policy = BreakerPolicy(window=10, min_calls=5, failure_rate=0.5, open_s=0.4, open_max_s=5, jitter=0, probes=2)
    profile = _profile(live_profiles["harbour-foods"], breaker=policy, retry=RetryPolicy(attempts=1))
    simulator.set_faults("harbour-foods", Faults(**QUIET, error_rates={503: 1.0}))
    async with _client() as client:
        outcomes = []
        for n in range(12):
            try:
                await client.fetch_page(profile, f"milk {n}", 0)
            except (ServerError, CircuitOpen) as exc:
                outcomes.append(type(exc).__name__)
        assert outcomes == ["ServerError"] * 5 + ["CircuitOpen"] * 7
        assert store.requests == 5  # nothing sent while open
        breaker = _breaker(client, "harbour-foods")
        assert breaker.state is BreakerState.OPEN

        simulator.set_faults("harbour-foods", Faults(**QUIET))
        await asyncio.sleep(0.45)
        # half-open: of five callers at once, one is the probe; the others are refused without a request
        first = await asyncio.gather(*(client.fetch_page(profile, "eggs", 0) for _ in range(5)), return_exceptions=True)
        assert sum(not isinstance(r, Exception) for r in first) == 1
        assert all(isinstance(r, CircuitOpen) for r in first if isinstance(r, Exception))
        assert store.requests == 6 and breaker.state is BreakerState.HALF_OPEN
        await client.fetch_page(profile, "eggs", 0)  # the second probe closes it
        assert store.requests == 7 and breaker.state is BreakerState.CLOSED
        assert [t.new for t in breaker.transitions] == [
            BreakerState.OPEN,
            BreakerState.HALF_OPEN,
            BreakerState.CLOSED,
        ]


async def test_a_failed_probe_opens_the_breaker_again_for_longer(simulator: Simulator, live_profiles) -> None:
    policy = BreakerPolicy(window=4, min_calls=2, open_s=0.2, open_max_s=5, jitter=0, probes=1)
    profile = _profile(live_profiles["maple-market"], breaker=policy, retry=RetryPolicy(attempts=1))
    simulator.set_faults("maple-market", Faults(**QUIET, error_rates={500: 1.0}))
    async with _client() as client:
        for _ in range(2):
            with pytest.raises(ServerError):
                await client.fetch_page(profile, "rice", 0)
        breaker = _breaker(client, "maple-market")
        first_open = breaker.open_until - time.monotonic()
        await asyncio.sleep(0.25)
        with pytest.raises(ServerError):
            await client.fetch_page(profile, "rice", 0)  # the probe fails
        assert breaker.state is BreakerState.OPEN and breaker.trips == 2
        assert breaker.open_until - time.monotonic() > first_open  # 0.4 s now, against 0.2 s


async def test_a_429_is_honoured_the_next_request_waits_its_retry_after(simulator: Simulator, live_profiles) -> None:
    store = simulator.stores["northern-basket"]
    profile = _profile(live_profiles["northern-basket"], retry=RetryPolicy(attempts=2))
    simulator.set_faults("northern-basket", Faults(**QUIET, rate_limit_rate=1.0, retry_after_s=1.0))
    async with _client() as client:
        with pytest.raises(RateLimited):
            await client.fetch_page(profile, "flour", 0)
    assert store.requests == 2  # the retry, after the wait
    assert store.arrivals[1] - store.arrivals[0] >= 1.0


async def test_server_errors_are_retried_until_one_gets_through(simulator: Simulator, live_profiles) -> None:
    store = simulator.stores["prairie-pantry"]
    profile = _profile(live_profiles["prairie-pantry"], retry=RetryPolicy(attempts=5, wait_initial_s=0.01))
    simulator.set_faults("prairie-pantry", Faults(**QUIET, error_rates={503: 0.5}))
    async with _client() as client:
        pages = [await client.fetch_page(profile, f"tea {n}", 0) for n in range(6)]
    assert all(page.offers is not None for page in pages)
    assert store.requests > 6  # some were retried, every one ended with a page


async def test_a_blocked_store_gets_no_retry_storm(simulator: Simulator, live_profiles) -> None:
    store = simulator.stores["maple-market"]
    profile = _profile(live_profiles["maple-market"], retry=RetryPolicy(attempts=5, wait_initial_s=0.01))
    simulator.set_faults("maple-market", Faults(**QUIET, error_rates={403: 1.0}))
    async with _client() as client:
        for n in range(20):
            with pytest.raises((Blocked, CircuitOpen)):
                await client.fetch_page(profile, f"salt {n}", 0)
    # never retried; the breaker stops the asking after its minimum number of calls
    assert store.requests == profile.breaker.min_calls


async def test_a_hung_store_does_not_slow_the_other_stores(simulator: Simulator, live_profiles) -> None:
    hung = live_profiles["harbour-foods"]
    hung = _profile(hung, limits=hung.limits.model_copy(update={"timeout_s": 1.0}))
    simulator.set_faults("harbour-foods", Faults(**QUIET, hang_rate=1.0, hang_s=30))
    healthy = live_profiles["maple-market"]
    async with _client() as client:
        hanging = asyncio.gather(*(client.search(hung, f"milk {n}") for n in range(8)))
        started = time.monotonic()
        results = await asyncio.gather(*(client.search(healthy, f"bread {n}") for n in range(8)))
        healthy_s = time.monotonic() - started
        stuck = await hanging
    assert all(r.error is None for r in results) and healthy_s < 1.5
    assert all(r.error is not None for r in stuck)
    # about one timeout per request slot (a freed slot may send one more before the last timeouts are in),
    # then the breaker: the 8 searches' retries and the waiting searches are not sent
    assert simulator.stores["harbour-foods"].requests < 2 * hung.limits.concurrency


STORE_SET = """name: two
defaults:
  cache: {fresh_s: 0}  # every plan asks the stores: what they do now is the point here
stores:
  - id: maple-market
    name: Maple Market
    connector: pcexpress
    base_url: simulator
    search: {banner: maplemarket, store_id: "1001"}
    simulator: {house_brand: Maple Choice, faults: {latency_ms_median: 0, latency_ms_p95: 0}}
  - id: harbour-foods
    name: Harbour Foods
    connector: voila
    base_url: simulator
    page_size: 30
    retry: {attempts: 1}
    breaker: {open_s: 30, open_max_s: 60}
    simulator: {house_brand: Harbour Value, faults: {latency_ms_median: 0, latency_ms_p95: 0%s}}
"""


async def test_a_store_that_cannot_answer_is_served_its_last_known_prices_marked_stale(tmp_path, line_parser) -> None:
    from grocery_scanner.storage.database import Database, database_url
    from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

    healthy, down = tmp_path / "healthy.yaml", tmp_path / "down.yaml"
    healthy.write_text(STORE_SET % "", encoding="utf-8")
    down.write_text(STORE_SET % ", error_rates: {503: 1.0}", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, max_pages=1)
    services = Services(settings, line_parser=line_parser)
    recipe = str(EXAMPLES / "pancakes.txt")
    db = await Database.open(database_url(settings))
    try:
        before = await run_plan(PlanRequest(inputs=[recipe], store_set=str(healthy)), services, db)
        only_harbour = PlanRequest(inputs=[recipe], store_set=str(down), store_ids=["harbour-foods"])
        after = await run_plan(only_harbour, services, db)
    finally:
        await db.close()
    assert all(line.tier == "live" for line in before.plan.lines)
    assert after.stats["stale_searches"].get("harbour-foods", 0) > 0
    harbour = [o for m in after.matches for o in m.options if o.store_id == "harbour-foods"]
    assert harbour and all(o.offer.tier == "stale" for o in harbour)
    assert all(any("last seen" in n for n in o.offer.notes) for o in harbour)
    live = {(o.offer.product.sku): o.offer.confidence for m in before.matches for o in m.options}
    assert all(o.offer.confidence < live.get(o.offer.product.sku, 1.0) for o in harbour)  # trusted less
    assert any("Harbour Foods" in w and "stale" in w for w in after.plan.warnings)
    assert after.plan.lines and all(line.tier == "stale" for line in after.plan.lines)


WITH_FLYER = """
    alternative: harbour-flyer
  - id: harbour-flyer
    name: Harbour Foods (Flipp flyer)
    connector: flipp
    base_url: simulator
    search: {postal_code: B3H1A1, merchant_id: "9001"}
    standby: true
    simulator:
      catalog_of: harbour-foods
      faults: {latency_ms_median: 0, latency_ms_p95: 0}
"""


async def test_a_store_that_cannot_answer_is_served_by_its_alternative_source(tmp_path, line_parser) -> None:
    from grocery_scanner.storage.database import Database, database_url
    from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

    down = tmp_path / "down.yaml"
    down.write_text(STORE_SET % ", error_rates: {503: 1.0}" + WITH_FLYER, encoding="utf-8")
    settings = Settings(data_dir=tmp_path, max_pages=1)
    db = await Database.open(database_url(settings))
    try:
        request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")], store_set=str(down), store_ids=["harbour-foods"])
        result = await run_plan(request, Services(settings, line_parser=line_parser), db)
        everyone = PlanRequest(inputs=request.inputs, store_set=str(down))
        default = await run_plan(everyone, Services(settings, line_parser=line_parser), db)
    finally:
        await db.close()
    assert result.stats["alternative_searches"]["harbour-foods"] > 0
    assert result.stats["requests_per_store"]["harbour-flyer"] > 0
    assert result.plan.lines and all(line.tier == "alternative" for line in result.plan.lines)
    harbour = [o.offer for m in result.matches for o in m.options]
    assert harbour and all(o.product.store_id == "harbour-foods" for o in harbour)
    assert all(any("Flipp flyer" in n for n in o.notes) for o in harbour)
    assert any("Harbour Foods" in w and "alternative source" in w for w in result.plan.warnings)
    assert {s.store_id for s in default.plan.stores} <= {"maple-market", "harbour-foods"}  # standby: not searched


async def test_a_breaker_opened_by_one_plan_holds_for_the_next_run_of_the_cli(tmp_path, line_parser) -> None:
    """Each CLI plan is a new process: the breaker the last one opened is read back, so a store that
    is down is not sent a fresh window of calls by every plan."""
    from grocery_scanner.storage.database import Database, database_url
    from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

    down = tmp_path / "down.yaml"
    down.write_text(STORE_SET % ", error_rates: {503: 1.0}", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, max_pages=1)
    request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")], store_set=str(down))
    runs = []
    for _ in range(2):
        db = await Database.open(database_url(settings))
        try:  # new services and a new database connection each time: nothing shared in memory
            runs.append(await run_plan(request, Services(settings, line_parser=line_parser), db))
        finally:
            await db.close()
    first, second = (r.stats["requests_per_store"] for r in runs)
    assert first["harbour-foods"] >= BreakerPolicy().min_calls
    assert second.get("harbour-foods", 0) == 0 and second["maple-market"] > 0
    assert any("Harbour Foods" in w and "circuit breaker was open" in w for w in runs[1].plan.warnings)


async def test_stores_status_shows_the_failing_store_unhealthy_and_the_other_healthy(tmp_path, line_parser) -> None:
    import json
    import os
    import subprocess
    import sys

    from grocery_scanner.storage.database import Database, database_url
    from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

    down = tmp_path / "down.yaml"
    down.write_text(STORE_SET % ", error_rates: {503: 1.0}", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, max_pages=1)
    db = await Database.open(database_url(settings))
    try:
        request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")], store_set=str(down))
        await run_plan(request, Services(settings, line_parser=line_parser), db)
    finally:
        await db.close()
    env = {**os.environ, "GROCERY_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "grocery_scanner", "stores", "status", "--store-set", str(down), "-f", "json"]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    health = {h["store_id"]: h for h in json.loads(done.stdout)}
    assert health["maple-market"]["status"] == "healthy" and health["maple-market"]["success_rate"] == 1.0
    assert health["maple-market"]["p95_ms"] < 1000  # the store's answers, not the searches' wait for a turn
    assert health["harbour-foods"]["status"] == "unhealthy", health
    assert health["harbour-foods"]["breaker"] == "open", health
    assert health["harbour-foods"]["last_error"] == "CircuitOpen"


async def test_a_search_deadline_ends_the_wait_on_a_rate_limited_store(simulator: Simulator, live_profiles) -> None:
    from grocery_scanner.errors import SearchDeadline

    profile = live_profiles["northern-basket"]
    simulator.set_faults("northern-basket", Faults(**QUIET, rate_limit_rate=1.0, retry_after_s=3.0))
    async with _client() as client:
        started = time.monotonic()
        results = await asyncio.gather(*(client.search(profile, f"oats {n}", deadline_s=0.5) for n in range(4)))
        waited = time.monotonic() - started
        breaker = _breaker(client, "northern-basket")
    assert waited < 1.5 and all(isinstance(r.error, SearchDeadline) for r in results)
    assert all(r.pages and isinstance(r.pages[-1].error, SearchDeadline) for r in results)  # recorded as such
    assert breaker.state is BreakerState.CLOSED  # a 429 and our own deadline say nothing of the store's health


async def test_a_stores_robots_txt_crawl_delay_spaces_its_requests(simulator: Simulator, live_profiles) -> None:
    store = simulator.stores["maple-market"]
    robots = "User-agent: *\nDisallow: /checkout\nCrawl-delay: 1\n"
    store.profile = store.profile.model_copy(
        update={"simulator": {**(store.profile.simulator or {}), "robots_txt": robots}}
    )
    simulator.set_faults("maple-market", Faults(**QUIET))
    base = live_profiles["maple-market"]
    profile = _profile(base, limits=base.limits.model_copy(update={"rate_per_s": 20, "robots_txt": True}))
    async with _client() as client:
        await asyncio.gather(*(client.fetch_page(profile, f"milk {n}", 0) for n in range(3)))
    assert store.requests == 4  # robots.txt once, then the three searches
    gaps = [b - a for a, b in zip(store.arrivals, store.arrivals[1:], strict=False)]
    assert all(gap >= 0.95 for gap in gaps[1:]), gaps  # the crawl delay, not the profile's 20 per second


async def test_without_robots_txt_a_store_is_paced_by_its_profile_alone(simulator: Simulator, live_profiles) -> None:
    store = simulator.stores["maple-market"]  # no robots.txt served: a 404
    simulator.set_faults("maple-market", Faults(**QUIET))
    base = live_profiles["maple-market"]
    profile = _profile(base, limits=base.limits.model_copy(update={"rate_per_s": 20, "robots_txt": True}))
    async with _client() as client:
        started = time.monotonic()
        await asyncio.gather(*(client.fetch_page(profile, f"milk {n}", 0) for n in range(3)))
        assert time.monotonic() - started < 0.8
    assert store.requests == 4
