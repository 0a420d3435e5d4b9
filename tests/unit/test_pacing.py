"""Turns at one store by priority, with aging."""

from __future__ import annotations

import asyncio

import pytest

from grocery_scanner.reliability import priority
from grocery_scanner.reliability.pacing import Pacer
from grocery_scanner.reliability.policies import RequestLimits
from grocery_scanner.reliability.priority import PRIORITY, Priority


async def _call(pacer: Pacer, order: list[str], name: str, priority: Priority, hold_s: float) -> None:
    PRIORITY.set(priority)  # a task runs in a copy of the context: this is its own priority
    async with pacer.slot():
        order.append(name)
        await asyncio.sleep(hold_s)


async def test_an_interactive_request_goes_before_batch_work_already_waiting() -> None:
    pacer, order = Pacer(RequestLimits(rate_per_s=100, concurrency=1)), []
    batch = [asyncio.create_task(_call(pacer, order, f"batch{n}", Priority.BATCH, 0.05)) for n in range(3)]
    await asyncio.sleep(0.01)  # batch0 in flight, the others waiting
    interactive = asyncio.create_task(_call(pacer, order, "interactive", Priority.INTERACTIVE, 0.05))
    await asyncio.gather(*batch, interactive)
    assert order == ["batch0", "interactive", "batch1", "batch2"]


async def test_a_long_wait_outranks_a_better_class_so_nothing_starves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(priority, "AGING_S", 0.1)
    pacer, order = Pacer(RequestLimits(rate_per_s=100, concurrency=1)), []
    first = asyncio.create_task(_call(pacer, order, "first", Priority.INTERACTIVE, 0.4))
    await asyncio.sleep(0.01)
    warming = asyncio.create_task(_call(pacer, order, "warming", Priority.WARMING, 0.01))
    await asyncio.sleep(0.3)  # the warming request has waited three aging periods
    batch = asyncio.create_task(_call(pacer, order, "batch", Priority.BATCH, 0.01))
    await asyncio.gather(first, warming, batch)
    assert order == ["first", "warming", "batch"]


async def test_concurrency_is_part_of_the_turn() -> None:
    pacer, order = Pacer(RequestLimits(rate_per_s=100, concurrency=2)), []
    in_flight = peak = 0

    async def call(n: int) -> None:
        nonlocal in_flight, peak
        async with pacer.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.03)
            in_flight -= 1
            order.append(n)

    await asyncio.gather(*(call(n) for n in range(6)))
    assert peak == 2 and sorted(order) == list(range(6))
