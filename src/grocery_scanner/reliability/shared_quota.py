"""Each store's request rate, shared by every process: a request given its turn by its process's
pacer also takes a slot from its store's quota in Redis before it leaves, so that the processes
together stay within the store's rate.

The quota follows the pacer's own rule, across processes: at most floor(rate) requests in any window
of a second (a rate below one: one per 1/rate seconds), where a request counts from the moment it is
granted until it has finished, plus the window and a margin for network jitter. It is a sorted set
per store (a member per request: its lease end while in flight, its finish time after), checked and
taken in one Lua script on Redis's clock. Counting until finished is what keeps the store's side right:
a request can arrive late (a connection opened, the store or the network busy), and `limits`' windows,
which count a request only when it is granted, let 1.2 to 1.4 times the rate reach the simulator in a
second under CPU load (docs/scale-out.md has the figures). A lease bounds what a crashed process holds.

A store's 429 cool-down is shared as well: a key per store that expires with the wait, read by the
same script.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from grocery_scanner.reliability.shared_state import PREFIX, SharedState

JITTER_MARGIN_S = 0.02  # as the pacer's: a finished request counts this much longer than the window
RECHECK_S = 0.1  # a waiting request asks `ready` this often, so an opened breaker ends its wait
LEASE_S = 120.0  # a request of a process that died stops counting after this long

# KEYS: the store's requests, its hold. ARGV: most requests in a window, window ms, lease ms, member.
# Returns 0 once the member holds a slot, else the milliseconds until one may be free.
TAKE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local most, window, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return held end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < most then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], lease + window)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if oldest > now then return 50 end  -- all in flight: one finishing makes room
return oldest + window - now + 1
"""
# KEYS: the store's requests. ARGV: the member. Its finish time, from which it counts one window more.
FINISH = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', t[1] * 1000 + math.floor(t[2] / 1000), ARGV[1])
return 1
"""


def quota_window(rate_per_s: float) -> tuple[int, float]:
    """(most requests, window seconds): floor(rate) in a second, or one per 1/rate seconds."""
    seconds = max(1.0, 1 / rate_per_s)
    return max(1, math.floor(rate_per_s * seconds + 1e-9)), seconds


class SharedQuota:
    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self._take = shared.redis.register_script(TAKE)
        self._finish = shared.redis.register_script(FINISH)

    @asynccontextmanager
    async def slot(
        self, store_id: str, rate_per_s: float, ready: Callable[[], None] | None = None
    ) -> AsyncIterator[None]:
        """Waits until the store's quota has a slot, and holds it for the request made inside the
        block. `ready` is asked after each wait; what it raises ends the wait. While Redis cannot
        answer, the request goes on its process's pacing alone."""
        most, seconds = quota_window(rate_per_s)
        keys, member = [f"{PREFIX}quota:{store_id}", f"{PREFIX}held:{store_id}"], uuid.uuid4().hex
        window_ms, lease_ms = round((seconds + JITTER_MARGIN_S) * 1000), round(LEASE_S * 1000)

        async def take() -> float | None:
            return int(await self._take(keys, [most, window_ms, lease_ms, member])) / 1000

        while (wait := await self.shared.attempt(take, lambda: None)) is not None and wait > 0:
            await asyncio.sleep(wait if ready is None else min(wait, RECHECK_S))
            if ready is not None:
                ready()
        try:
            yield
        finally:
            if wait is not None:  # a slot in Redis: from now on it counts one window more

                async def finish() -> None:
                    await self._finish(keys[:1], [member])

                await self.shared.attempt(finish, lambda: None)

    async def cool_down(self, store_id: str, seconds: float) -> None:
        """Nothing starts at the store, from any process, for `seconds` (a longer hold stands)."""

        async def hold() -> None:
            key, ms = f"{PREFIX}held:{store_id}", max(1, round(seconds * 1000))
            async with self.shared.redis.pipeline(transaction=True) as pipe:
                pipe.set(key, 1, px=ms, nx=True)
                pipe.pexpire(key, ms, gt=True)
                await pipe.execute()

        await self.shared.attempt(hold, lambda: None)
