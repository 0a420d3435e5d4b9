"""The overall request pool: bounded, by priority, shrinking under load and growing when it keeps up."""

from __future__ import annotations

import asyncio

from grocery_scanner.reliability.policies import PoolPolicy
from grocery_scanner.reliability.pool import Load, RequestPool
from grocery_scanner.reliability.priority import PRIORITY, Priority

CALM = Load(loop_lag_s=0.01, cpu=0.2, memory_mb=100)
POLICY = PoolPolicy(min_concurrency=2, start_concurrency=4, max_concurrency=6, max_memory_mb=1000, sample_s=60)


async def test_the_pool_shrinks_while_overloaded_and_grows_back_while_busy() -> None:
    pool = RequestPool(POLICY)
    for load in (Load(0.5, 0.2, 100), Load(0.01, 1.5, 100), Load(0.01, 0.2, 5000)):
        assert pool.overloaded(load)
    for _ in range(5):
        pool.adjust(Load(loop_lag_s=0.6, cpu=0.2, memory_mb=100))
    assert pool.desired == POLICY.min_concurrency
    pool.adjust(CALM)
    assert pool.desired == POLICY.min_concurrency  # nobody waiting: no reason to grow
    for _ in range(2):
        await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)
    assert not waiting.done()  # full
    for _ in range(10):
        pool.adjust(CALM)
    await asyncio.wait_for(waiting, 1)  # grown, so the waiter got in
    assert pool.in_flight == 3 and pool.desired == 3  # growth stops once nobody waits
    await pool.aclose()


async def test_waiting_requests_go_in_by_priority() -> None:
    pool, order = RequestPool(PoolPolicy(min_concurrency=1, start_concurrency=1, max_concurrency=1, sample_s=60)), []
    await pool.acquire()  # the pool is full

    async def call(name: str, priority: Priority) -> None:
        PRIORITY.set(priority)
        await pool.acquire()
        order.append(name)
        pool.release()

    tasks = [asyncio.create_task(call("warming", Priority.WARMING))]
    await asyncio.sleep(0.01)
    tasks.append(asyncio.create_task(call("batch", Priority.BATCH)))
    await asyncio.sleep(0.01)
    tasks.append(asyncio.create_task(call("interactive", Priority.INTERACTIVE)))
    await asyncio.sleep(0.01)
    pool.release()
    await asyncio.gather(*tasks)
    assert order == ["interactive", "batch", "warming"]
    await pool.aclose()
