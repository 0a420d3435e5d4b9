"""The breakers' rules in this process and in Redis's Lua script: the same scenarios through both, then
what only the shared state does (two clients standing for two processes)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from grocery_scanner.errors import CircuitOpen
from grocery_scanner.reliability import shared_breaker
from grocery_scanner.reliability.breaker import (
    BreakerSnapshot,
    BreakerState,
    BreakerStates,
    CircuitBreaker,
    LocalStates,
)
from grocery_scanner.reliability.policies import BreakerPolicy
from grocery_scanner.reliability.shared_breaker import SharedBreakers
from grocery_scanner.reliability.shared_state import PREFIX, SharedState

REDIS_URL = os.environ.get("GROCERY_TEST_REDIS_URL")
NO_REDIS = "GROCERY_TEST_REDIS_URL not set (.ci/run sets it when Redis runs)"
needs_redis = pytest.mark.skipif(not REDIS_URL, reason=NO_REDIS)
POLICY = BreakerPolicy(
    window=4, min_calls=3, failure_rate=0.5, slow_call_rate=0.75, open_s=0.3, open_max_s=0.5, jitter=0, probes=2
)


@pytest.fixture
def store() -> Iterator[str]:
    """A store id of its own in the shared Redis (others derived from it too), forgotten afterwards."""
    store_id = f"test-{uuid.uuid4().hex[:12]}"
    yield store_id
    if REDIS_URL:
        from redis import Redis

        with Redis.from_url(REDIS_URL) as redis:
            redis.delete(*redis.keys(f"{PREFIX}breaker:{store_id}*"), f"{PREFIX}breaker:{store_id}")


def _shared() -> SharedBreakers:
    assert REDIS_URL is not None
    return SharedBreakers(SharedState(REDIS_URL, "breakers"))


@pytest.fixture(params=["local", "shared"])
async def states(request: pytest.FixtureRequest) -> AsyncIterator[BreakerStates]:
    if request.param == "local":
        yield LocalStates()
        return
    if not REDIS_URL:
        pytest.skip(NO_REDIS)
    shared = _shared()
    yield shared
    await shared.aclose()


def _breaker(store: str, policy: BreakerPolicy = POLICY) -> CircuitBreaker:
    return CircuitBreaker(store, policy, slow_call_s=1.0)


async def _call(states: BreakerStates, breaker: CircuitBreaker, failed: bool = False, elapsed_s: float = 0.01) -> None:
    await states.acquire(breaker)
    await states.record(breaker, failed, elapsed_s, False)


async def test_no_verdict_below_min_calls_then_the_failure_rate_opens_it(states: BreakerStates, store: str) -> None:
    breaker = _breaker(store)
    for failed in (False, False, True, False):  # 1 failure in the last 4: 25%
        await _call(states, breaker, failed)
    assert breaker.state is BreakerState.CLOSED
    await _call(states, breaker, failed=True)  # the window is now ok, fail, ok, fail: 50%
    assert breaker.state is BreakerState.OPEN and breaker.trips == 1
    assert breaker.transitions[-1].reason == "50% of the last 4 calls failed; open for 0.3 s (trip 1)"
    with pytest.raises(CircuitOpen, match=r"retry in 0\.3 s"):
        await states.acquire(breaker)


async def test_two_failures_are_fewer_than_min_calls(states: BreakerStates, store: str) -> None:
    breaker = _breaker(store)
    for _ in range(2):
        await _call(states, breaker, failed=True)
    assert breaker.state is BreakerState.CLOSED
    await _call(states, breaker, failed=True)
    assert breaker.state is BreakerState.OPEN


async def test_slow_calls_open_it_and_timeouts_in_a_row_open_it_before_min_calls(
    states: BreakerStates, store: str
) -> None:
    slow = _breaker(store)
    for _ in range(3):
        await _call(states, slow, elapsed_s=1.0)
    assert slow.state is BreakerState.OPEN
    assert slow.transitions[-1].reason.startswith("100% of the last 3 calls took 1 s or more")

    hung = _breaker(f"{store}-hung", POLICY.model_copy(update={"min_calls": 4, "timeouts_in_a_row": 2}))
    for _ in range(2):
        await states.acquire(hung)
        await states.record(hung, True, 10.0, True)
    assert hung.state is BreakerState.OPEN and hung.transitions[-1].reason.startswith("2 timeouts in a row")


async def test_half_open_lets_one_probe_at_a_time_and_the_last_closes_it(states: BreakerStates, store: str) -> None:
    breaker = _breaker(store)
    for _ in range(3):
        await _call(states, breaker, failed=True)
    await asyncio.sleep(0.35)
    probe = await states.acquire(breaker)
    assert probe.probe and breaker.state is BreakerState.HALF_OPEN
    with pytest.raises(CircuitOpen, match="a probe is under way"):
        await states.acquire(breaker)
    await states.record(breaker, False, 0.01, False)
    assert breaker.state is BreakerState.HALF_OPEN  # one of two probes passed
    await _call(states, breaker)
    assert breaker.state is BreakerState.CLOSED and breaker.trips == 0
    assert [t.new for t in breaker.transitions] == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]
    assert breaker.transitions[-1].reason == "2 probe(s) passed"


async def test_a_failed_probe_opens_it_again_for_longer_up_to_the_cap(states: BreakerStates, store: str) -> None:
    breaker = _breaker(store)
    for _ in range(3):
        await _call(states, breaker, failed=True)
    await asyncio.sleep(0.35)
    await _call(states, breaker, failed=True)
    assert breaker.state is BreakerState.OPEN and breaker.trips == 2
    assert 0.45 < breaker.open_until - time.monotonic() <= 0.5  # 0.6 s, capped at open_max_s
    assert breaker.transitions[-1].reason == "a probe failed; open for 0.5 s (trip 2)"


@needs_redis
async def test_a_breaker_opened_through_one_client_refuses_calls_through_the_other(store: str) -> None:
    first, second = _shared(), _shared()
    try:
        mine, theirs = _breaker(store), _breaker(store)
        for _ in range(3):
            await _call(first, mine, failed=True)
        with pytest.raises(CircuitOpen):
            await second.acquire(theirs)
        assert theirs.state is BreakerState.OPEN and theirs.trips == 1 and theirs.used
        assert theirs.transitions[-1].reason == "decided in another process"
        await asyncio.sleep(0.35)
        # half-open: of the two processes asking at once, one sends the probe
        answers = await asyncio.gather(first.acquire(mine), second.acquire(theirs), return_exceptions=True)
        assert sorted(type(a).__name__ for a in answers) == ["Admission", "CircuitOpen"]
    finally:
        await first.aclose()
        await second.aclose()


@needs_redis
async def test_a_probe_given_back_or_left_past_its_lease_goes_to_another_process(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_breaker, "PROBE_LEASE_S", 0.3)
    first, second = _shared(), _shared()
    try:
        mine, theirs = _breaker(store), _breaker(store)
        for _ in range(3):
            await _call(first, mine, failed=True)
        await asyncio.sleep(0.35)
        probe = await first.acquire(mine)
        with pytest.raises(CircuitOpen):
            await second.acquire(theirs)
        await first.release(mine, probe)  # cancelled: no verdict, the turn is free
        taken = await second.acquire(theirs)
        assert taken.probe
        with pytest.raises(CircuitOpen):
            await first.acquire(mine)
        await asyncio.sleep(0.35)  # the second process died with it: its lease runs out
        assert (await first.acquire(mine)).probe
    finally:
        await first.aclose()
        await second.aclose()


@needs_redis
async def test_a_waiting_call_hears_of_an_opening_elsewhere_and_a_remembered_one_seeds_redis(store: str) -> None:
    first, second = _shared(), _shared()
    try:
        mine, theirs = _breaker(store), _breaker(store)
        waiting = await first.acquire(mine)
        for _ in range(3):
            await _call(second, theirs, failed=True)
        await asyncio.sleep(shared_breaker.REFRESH_S + 0.05)
        first.recheck(mine, waiting)  # the mirror is old: read again in the background
        await asyncio.sleep(0.05)
        with pytest.raises(CircuitOpen, match="opened while the request waited"):
            first.recheck(mine, waiting)

        now = datetime.now(UTC)
        remembered = BreakerSnapshot(f"{store}-db", BreakerState.OPEN, 3, now + timedelta(seconds=30), "down")
        carried = _breaker(f"{store}-db")
        carried.restore(remembered, now)
        with pytest.raises(CircuitOpen):
            await first.acquire(carried)
        fresh = _breaker(f"{store}-db")  # another process that remembers nothing
        with pytest.raises(CircuitOpen):
            await second.acquire(fresh)
        assert fresh.trips == 3 and fresh.open_until - time.monotonic() > 25
    finally:
        await first.aclose()
        await second.aclose()


async def test_without_redis_the_breaker_decides_alone_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    states = SharedBreakers(SharedState("redis://127.0.0.1:1/0", "breakers"))  # nothing listens there
    breaker = _breaker("s")
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(3):
                await _call(states, breaker, failed=True)
            with pytest.raises(CircuitOpen):
                await states.acquire(breaker)
    finally:
        await states.aclose()
    assert breaker.state is BreakerState.OPEN
    assert sum("Redis unreachable" in r.message for r in caplog.records) == 1
