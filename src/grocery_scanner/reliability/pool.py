"""The overall request pool: how many store requests the process has in flight, over every store.

A store's own bound is its profile's concurrency (pacing); this one protects the process. Every
`sample_s` it reads its load: event-loop lag (how late a timer fires), CPU (cores used since the last
sample) and memory (resident size). When any is over its limit, the pool shrinks by `scale_down`;
when none is and requests are waiting for room, it grows by `scale_up`; between `min_concurrency`
and `max_concurrency`. Waiting requests take their turn by priority, with aging.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psutil

from grocery_scanner.fetch.chain import Fetched, Fetcher, Layer
from grocery_scanner.reliability import priority
from grocery_scanner.reliability.policies import PoolPolicy
from grocery_scanner.reliability.priority import PRIORITY, Waiter, first

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Load:
    loop_lag_s: float
    cpu: float  # cores
    memory_mb: float


class ProcessLoad:
    """Samples this process's load; the loop lag is measured by the caller's own timer."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first reading starts the interval

    def __call__(self, loop_lag_s: float) -> Load:
        return Load(loop_lag_s, self._process.cpu_percent(None) / 100, self._process.memory_info().rss / 2**20)


class RequestPool:
    def __init__(self, policy: PoolPolicy, load: Callable[[float], Load] | None = None) -> None:
        self.policy = policy
        self.desired = policy.start_concurrency
        self.in_flight = 0
        self._load = load
        self._memory_mb = policy.max_memory_mb or 0.7 * psutil.virtual_memory().total / 2**20
        self._waiting: list[Waiter] = []
        self._changed = asyncio.Event()
        self._sampler: asyncio.Task[None] | None = None

    def overloaded(self, load: Load) -> list[str]:
        p = self.policy
        return [
            what
            for what, over in (
                (f"event loop {load.loop_lag_s * 1000:.0f} ms late", load.loop_lag_s > p.max_loop_lag_s),
                (f"CPU {load.cpu:.2f} cores", load.cpu > p.max_cpu),
                (f"memory {load.memory_mb:.0f} MB", load.memory_mb > self._memory_mb),
            )
            if over
        ]

    def adjust(self, load: Load) -> None:
        """One sample's verdict: shrink when overloaded, grow when busy and keeping up."""
        p = self.policy
        if reasons := self.overloaded(load):
            smaller = max(p.min_concurrency, math.floor(self.desired * (1 - p.scale_down)))
            if smaller < self.desired:
                log.info("request pool %d -> %d: %s", self.desired, smaller, ", ".join(reasons))
            self.desired = smaller
        elif self._waiting and self.in_flight >= self.desired:
            self.desired = min(p.max_concurrency, max(self.desired + 1, math.ceil(self.desired * (1 + p.scale_up))))
        self._signal()

    def _signal(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        load = self._load or ProcessLoad()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.policy.sample_s)
            self.adjust(load(max(0.0, loop.time() - asked - self.policy.sample_s)))

    async def acquire(self) -> None:
        if self._sampler is None:
            self._sampler = asyncio.create_task(self._sample())
        loop = asyncio.get_running_loop()
        me = Waiter(PRIORITY.get(), loop.time())
        self._waiting.append(me)
        try:
            while self.in_flight >= self.desired or first(self._waiting, loop.time(), priority.AGING_S) is not me:
                await self._changed.wait()
            self.in_flight += 1
        finally:
            self._waiting.remove(me)
            self._signal()

    def release(self) -> None:
        self.in_flight -= 1
        self._signal()

    async def aclose(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            await asyncio.gather(self._sampler, return_exceptions=True)  # a cancel of the closer still passes


class PoolLayer(Layer):
    """The fetch chain's overall request pool (innermost: it bounds requests actually being sent)."""

    def __init__(self, inner: Fetcher, policy: PoolPolicy | None = None) -> None:
        super().__init__(inner)
        self.pool = RequestPool(policy or PoolPolicy())

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        await self.pool.acquire()
        try:
            return await self.inner.fetch(profile, request)
        finally:
            self.pool.release()

    async def aclose(self) -> None:
        await self.pool.aclose()
        await super().aclose()
