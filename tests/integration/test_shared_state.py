"""Breakers and store rates shared by several processes through Redis (`shared_state_url`), counted
at the simulator; and what a process does when that Redis is not there."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from grocery_scanner.errors import CircuitOpen, UserInputError
from grocery_scanner.reliability import shared_state
from grocery_scanner.reliability.shared_state import PREFIX
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.faults import Faults
from grocery_scanner.simulator.server import Simulator, busiest_second
from grocery_scanner.stores.profiles import StoreProfile, load_store_set

REDIS_URL = os.environ.get("GROCERY_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="GROCERY_TEST_REDIS_URL not set (.ci/run sets it when Redis runs)"
)
SRC = Path(__file__).resolve().parents[2] / "src"

# one worker process: its own services on the shared Redis, asking one store from 8 tasks for
# `seconds` after the test says go; prints what each request came to
WORKER = """
import asyncio, json, sys, time
from grocery_scanner.errors import FetchError
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings

async def main(store_set, url, seconds, tag):
    settings = Settings(shared_state_url=url, max_pages=1)
    settings.fetch_layers = [name for name in settings.fetch_layers if name != "cache"]
    async with Services(settings) as services, services.stores(store_set) as session:
        profile = session.profiles[0]
        print("ready", flush=True)
        sys.stdin.readline()
        end, outcomes = time.monotonic() + seconds, []

        async def keep_asking(n):
            i = 0
            while time.monotonic() < end:
                try:
                    await session.client.fetch_page(profile, f"milk {tag} {n} {i}", 0)
                    outcomes.append("ok")
                except FetchError as exc:
                    outcomes.append(type(exc).__name__)
                i += 1

        await asyncio.gather(*(keep_asking(n) for n in range(8)))
        print(json.dumps(outcomes), flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]))
"""
STORE_SET = """name: shared
stores:
  - id: {id}
    name: Shared Store
    connector: pcexpress
    base_url: {base_url}
    search: {{banner: maplemarket, store_id: "1001"}}
    limits: {{rate_per_s: {rate}, concurrency: 4, timeout_s: 5}}
    retry: {{attempts: 1}}
    breaker: {{window: 8, min_calls: 4, open_s: 30, open_max_s: 60}}
    simulator:
      catalog_of: maple-market
      house_brand: Maple Choice
      faults: {{latency_ms_median: 0, latency_ms_p95: 0}}
"""


class SharedStore:
    """A store of its own (its keys in the shared Redis are its alone), served by a simulator here,
    and a store set naming it for the worker processes."""

    def __init__(self, tmp_path: Path, rate: float) -> None:
        self.id, self.rate = f"shared-{uuid.uuid4().hex[:10]}", rate
        placeholder = tmp_path / f"{self.id}-simulated.yaml"
        placeholder.write_text(STORE_SET.format(id=self.id, base_url="simulator", rate=rate), encoding="utf-8")
        self.simulator = Simulator(load_store_set(str(placeholder)).stores)
        self.store_set = tmp_path / f"{self.id}.yaml"

    async def start(self) -> None:
        await self.simulator.start()
        base_url = f"{self.simulator.url}/{self.id}"
        self.store_set.write_text(STORE_SET.format(id=self.id, base_url=base_url, rate=self.rate), encoding="utf-8")
        self.simulator.stores[self.id].search.search("milk")  # its catalog built before the clock runs

    @property
    def arrivals(self) -> list[float]:
        return self.simulator.stores[self.id].arrivals

    def profile(self) -> StoreProfile:
        return load_store_set(str(self.store_set)).stores[0]


@pytest.fixture
async def shared_store(tmp_path: Path) -> AsyncIterator[SharedStore]:
    store = SharedStore(tmp_path, rate=5)
    await store.start()
    yield store
    await store.simulator.stop()
    from redis.asyncio import Redis

    assert REDIS_URL is not None
    async with Redis.from_url(REDIS_URL) as redis:
        await redis.delete(*(f"{PREFIX}{part}:{store.id}" for part in ("breaker", "quota", "held")))


async def _workers(store: SharedStore, count: int, seconds: float) -> list[list[str]]:
    """`count` worker processes asking the store together for `seconds`; what each one's requests came to."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-c", WORKER, str(store.store_set), str(REDIS_URL), str(seconds)]
    workers = [
        await asyncio.create_subprocess_exec(*command, str(n), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        for n in range(count)
    ]
    try:
        for worker in workers:  # all set up (imports, chain, Redis) before any asks
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), 60)
            assert line.strip() == b"ready", line
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(b"go\n")
            await worker.stdin.drain()
        outcomes = []
        for worker in workers:
            out, _ = await asyncio.wait_for(worker.communicate(), seconds + 30)
            outcomes.append(json.loads(out))
        return outcomes
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()


async def test_three_processes_together_stay_within_the_stores_rate(shared_store: SharedStore) -> None:
    seconds, began = 3.0, time.monotonic()
    outcomes = await _workers(shared_store, 3, seconds)
    arrivals = [at for at in shared_store.arrivals if at >= began]
    per_process = [o.count("ok") for o in outcomes]
    # each process alone would send 5 a second; the three together did, no more, at the store
    most = busiest_second(arrivals)
    assert most <= shared_store.rate, (most, per_process)
    assert all(set(o) == {"ok"} for o in outcomes)
    assert sum(per_process) == len(arrivals) >= 0.75 * shared_store.rate * seconds, per_process
    assert min(per_process) >= 2, per_process  # every process had its share: they ran at once


async def test_a_breaker_opened_by_one_process_refuses_the_next_process_at_once(
    shared_store: SharedStore,
) -> None:
    shared_store.simulator.set_faults(
        shared_store.id, Faults(latency_ms_median=0, latency_ms_p95=0, error_rates={503: 1.0})
    )
    [outcomes] = await _workers(shared_store, 1, 1.5)
    asked = len(shared_store.arrivals)
    assert outcomes[:4] == ["ServerError"] * 4 and "CircuitOpen" in outcomes and asked < 8
    # this process has never asked the store: its first request is refused without reaching it
    settings = Settings(shared_state_url=REDIS_URL, max_pages=1)
    settings.fetch_layers = [name for name in settings.fetch_layers if name != "cache"]
    async with Services(settings).store_client() as client:
        with pytest.raises(CircuitOpen, match="circuit breaker open"):
            await client.fetch_page(shared_store.profile(), "eggs", 0)
    assert len(shared_store.arrivals) == asked


def test_an_unreachable_redis_at_start_up_is_one_line_naming_the_setting() -> None:
    services = Services(Settings(shared_state_url="redis://127.0.0.1:1/0"))  # nothing listens there
    with pytest.raises(UserInputError, match=r"^shared_state_url \(GROCERY_SHARED_STATE_URL\): Redis does not answer"):
        services.fetch_chain()


class PrivateRedis:
    """A Redis of the test's own, which it may stop and start again (empty: it saves nothing)."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        from redis.asyncio import Redis

        command = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.server = await asyncio.create_subprocess_exec("redis-server", *command, stdout=subprocess.DEVNULL)
        async with Redis.from_url(self.url) as redis:
            for _ in range(100):
                try:
                    await redis.ping()
                    return
                except shared_state.SHARED_ERRORS:
                    await asyncio.sleep(0.05)
        pytest.fail("the test's own redis-server did not start")

    async def stop(self) -> None:
        if self.server is not None and self.server.returncode is None:
            self.server.terminate()
            await self.server.wait()


@pytest.fixture
async def private_redis() -> AsyncIterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed: a Redis going away cannot be shown")
    redis = PrivateRedis()
    yield redis
    await redis.stop()


async def test_redis_going_away_mid_run_loses_no_request_and_is_used_again_when_back(
    private_redis: PrivateRedis, simulator: Simulator, live_profiles, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    from redis.asyncio import Redis

    monkeypatch.setattr(shared_state, "RETRY_S", 0.3)
    await private_redis.start()
    settings = Settings(shared_state_url=private_redis.url, max_pages=1)
    settings.fetch_layers = [name for name in settings.fetch_layers if name != "cache"]
    profile = live_profiles["maple-market"]
    simulator.set_faults("maple-market", Faults(latency_ms_median=0, latency_ms_p95=0))
    breaker_key = f"{PREFIX}breaker:maple-market"
    async with Services(settings).store_client() as client:
        await client.fetch_page(profile, "milk", 0)
        async with Redis.from_url(private_redis.url) as redis:
            assert await redis.exists(breaker_key, f"{PREFIX}quota:maple-market") == 2
        await private_redis.stop()
        with caplog.at_level(logging.WARNING, logger="grocery_scanner.reliability.shared_state"):
            pages = [await client.fetch_page(profile, f"bread {n}", 0) for n in range(3)]
        assert all(page.offers for page in pages)  # on this process's own state meanwhile
        assert [r.getMessage().split(":")[0] for r in caplog.records] == ["shared breakers", "shared quotas"]
        await private_redis.start()  # empty: it forgot everything
        await asyncio.sleep(0.35)
        await client.fetch_page(profile, "eggs", 0)
        async with Redis.from_url(private_redis.url) as redis:
            assert await redis.exists(breaker_key, f"{PREFIX}quota:maple-market") == 2  # shared again
    assert simulator.stores["maple-market"].requests == 5
