"""Per-store request pacing: requests start no faster than the store's configured rate."""

from __future__ import annotations

import asyncio


class Pacer:
    """Spaces request starts 1/rate seconds apart (a leaky bucket without burst).

    Start times are reserved under a lock and the wait happens outside it, so concurrent
    callers queue in order while their requests still overlap in flight.
    """

    def __init__(self, rate_per_s: float) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.interval = 1.0 / rate_per_s
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)
