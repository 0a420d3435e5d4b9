"""Per-store request pacing: never more requests reach a store in any one-second window than its rate.

A fixed schedule of start times bursts after the event loop stalls (a garbage-collection pause, a
slow callback): every overdue start fires at once. Here each start is decided when it happens,
from the requests actually made. And a request granted before a stall may only leave after it, so
a request counts in the window from the moment it was granted until it has finished: until then
it may still be arriving at the store. Starts are also spaced at least 1/rate apart. The window is
a little longer than a second because the store sees our requests shifted by network jitter.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

WINDOW_S = 1.0
JITTER_MARGIN_S = 0.02


@dataclass
class _Request:
    granted: float
    finished: float | None = None


class Pacer:
    def __init__(self, rate_per_s: float) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.interval = 1.0 / rate_per_s
        self.per_window = max(1, math.floor(rate_per_s * WINDOW_S))
        self._requests: deque[_Request] = deque()
        self._lock = asyncio.Lock()
        self._finished = asyncio.Event()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for this store's turn, then make the request inside the block."""
        request = await self._grant()
        try:
            yield
        finally:
            request.finished = asyncio.get_running_loop().time()
            self._finished.set()

    async def _grant(self) -> _Request:
        loop = asyncio.get_running_loop()
        async with self._lock:  # callers are served in order
            while True:
                now = loop.time()
                horizon = now - WINDOW_S - JITTER_MARGIN_S
                while self._requests and (done := self._requests[0].finished) is not None and done <= horizon:
                    self._requests.popleft()
                # requests that may have reached the store within the window: finished inside it, or in flight
                recent = [r for r in self._requests if r.finished is None or r.finished > horizon]
                earliest = self._requests[-1].granted + self.interval if self._requests else now
                excess = len(recent) - self.per_window + 1
                if excess > 0:
                    ends = sorted(r.finished for r in recent if r.finished is not None)
                    if len(ends) < excess:  # only a request in flight finishing can make room
                        self._finished.clear()
                        await self._finished.wait()
                        continue
                    earliest = max(earliest, ends[excess - 1] + WINDOW_S + JITTER_MARGIN_S)
                if earliest <= now:
                    request = _Request(granted=now)
                    self._requests.append(request)
                    return request
                await asyncio.sleep(earliest - now)
