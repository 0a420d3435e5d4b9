"""A store's quota shared through Redis: two clients stand for two processes."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from grocery_scanner.reliability.shared_quota import JITTER_MARGIN_S, SharedQuota, quota_window
from grocery_scanner.reliability.shared_state import PREFIX, SharedState

REDIS_URL = os.environ.get("GROCERY_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="GROCERY_TEST_REDIS_URL not set (.ci/run sets it when Redis runs)"
)


def test_the_window_holds_floor_rate_a_second_or_one_per_interval_below_one() -> None:
    assert quota_window(5) == (5, 1.0)
    assert quota_window(2.5) == (2, 1.0)
    assert quota_window(0.5) == (1, 2.0)
    assert quota_window(0.4) == (1, 2.5)


@pytest.fixture
async def quotas() -> AsyncIterator[tuple[SharedQuota, SharedQuota, str]]:
    assert REDIS_URL is not None
    first, second = SharedQuota(SharedState(REDIS_URL, "quotas")), SharedQuota(SharedState(REDIS_URL, "quotas"))
    store = f"test-{uuid.uuid4().hex[:12]}"
    yield first, second, store
    await first.shared.redis.delete(f"{PREFIX}quota:{store}", f"{PREFIX}held:{store}")
    await first.shared.aclose()
    await second.shared.aclose()


@needs_redis
async def test_two_processes_share_the_rate_and_a_request_counts_until_it_has_finished(quotas) -> None:
    first, second, store = quotas
    started: list[float] = []

    async def request(quota: SharedQuota, hold_s: float) -> None:
        async with quota.slot(store, 2.0):
            started.append(time.monotonic())
            await asyncio.sleep(hold_s)

    began, tasks = time.monotonic(), []
    for quota, hold_s in ((first, 0.4), (second, 0.0), (first, 0.0), (second, 0.0)):
        tasks.append(asyncio.create_task(request(quota, hold_s)))
        await asyncio.sleep(0.02)  # asked in this order
    await asyncio.gather(*tasks)
    started = [t - began for t in sorted(started)]
    assert started[1] < 0.1  # two at once: the quota is 2 a second
    # the third waits for the quick one to be a window (and the margin) behind it...
    assert started[1] + 1.0 + JITTER_MARGIN_S <= started[2] < 1.3
    # ...the fourth for the one that took 0.4 s: it counted until it finished
    assert started[0] + 1.4 + JITTER_MARGIN_S <= started[3] < 1.8


@needs_redis
async def test_a_429_cool_down_holds_the_store_in_every_process(quotas) -> None:
    first, second, store = quotas
    await first.cool_down(store, 0.3)
    began = time.monotonic()
    async with second.slot(store, 10.0):
        assert time.monotonic() - began >= 0.28


async def test_without_redis_a_request_goes_on_its_process_pacing_alone() -> None:
    quota = SharedQuota(SharedState("redis://127.0.0.1:1/0", "quotas"))  # nothing listens there
    try:
        began = time.monotonic()
        for _ in range(3):
            async with quota.slot("s", 1.0):
                pass
        assert time.monotonic() - began < 0.5
    finally:
        await quota.shared.aclose()
