"""Per-store request pacing that adapts to the store: never more requests reach a store in any
one-second window than its rate, slower when it answers slowly, and quiet while it asks us to wait.

- Each start is decided when it happens, from the requests actually made: a fixed schedule would
  burst after the event loop stalls (every overdue start firing at once). A request counts in the
  window from the moment it is granted until it has finished, since until then it may still be
  arriving at the store. The window is a little longer than a second for network jitter.
- The delay between starts follows the store's latency (Scrapy AutoThrottle's rule): it moves
  halfway towards latency / target_concurrency, never below 1/rate nor above max_delay_s, and an
  error may make it longer but never shorter.
- A 429 cools the store down: nothing starts before its Retry-After has passed (without one: 1 s,
  doubling with each 429 in a row, at most 60 s). A timeout or a dropped connection holds the store
  for the latency rule's delay, so the breaker hears from the other requests in flight first.
- In the profile's peak hours, the lower peak rate applies.
- Waiting requests take their turn by priority, with aging (reliability/priority.py). The store's
  concurrency is part of the turn, so it is given by priority too.
- Where the profile says so, the store's robots.txt is read before its first request, and its
  Crawl-delay or Request-rate, when slower, sets the least time between starts (reliability/robots.py).
- With a shared quota (several processes, `shared_state_url`), a request given its turn here also
  takes a slot from its store's quota in Redis before it leaves (reliability/shared_quota.py), and a
  429's cool-down holds the store in every process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from grocery_scanner.errors import FetchError, FetchTimeout, NetworkError
from grocery_scanner.fetch.chain import Fetched, Fetcher, Layer, still_admitted
from grocery_scanner.fetch.status import retry_after_s
from grocery_scanner.reliability import priority
from grocery_scanner.reliability.policies import RequestLimits
from grocery_scanner.reliability.priority import PRIORITY, Waiter, first
from grocery_scanner.reliability.robots import robots_interval, robots_request

if TYPE_CHECKING:
    from grocery_scanner.reliability.shared_quota import SharedQuota
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

log = logging.getLogger(__name__)
WINDOW_S = 1.0
JITTER_MARGIN_S = 0.02
COOLDOWN_MAX_S = 60.0
RECHECK_S = 0.1
# the store's slot across processes, (rate per second, the caller's `ready`) -> held for the request
SharedSlot = Callable[[float, Callable[[], None] | None], AbstractAsyncContextManager[None]]


@dataclass
class _Request:
    granted: float
    finished: float | None = None


class Pacer:
    def __init__(
        self,
        limits: RequestLimits,
        hour: Callable[[], int] = lambda: time.localtime().tm_hour,
        shared_slot: SharedSlot | None = None,
    ) -> None:
        self.limits = limits
        self._hour = hour
        self._shared_slot = shared_slot
        self.delay = 0.0  # the latency rule's delay between starts (0 until a store has answered)
        self.robots_interval = 0.0  # the least time between starts the store's robots.txt asks
        self.cooldown_until = 0.0
        self._rate_limited_in_a_row = 0
        self._requests: deque[_Request] = deque()
        self._waiting: list[Waiter] = []
        self._changed = asyncio.Event()  # set (and replaced) when a request arrives, starts or finishes

    @property
    def rate_per_s(self) -> float:
        peak = self.limits.peak_rate_per_s
        return peak if peak is not None and self._hour() in self.limits.peak_hours else self.limits.rate_per_s

    @property
    def interval(self) -> float:
        return max(1.0 / self.rate_per_s, self.delay, self.robots_interval)

    @asynccontextmanager
    async def slot(self, ready: Callable[[], None] | None = None) -> AsyncIterator[None]:
        """Wait for this store's turn, then make the request inside the block. `ready` is asked again
        whenever the turn comes; what it raises ends the wait without taking a turn."""
        request = await self._grant(ready)
        try:
            if self._shared_slot is None:
                yield
            else:
                async with self._shared_slot(self.rate_per_s, ready):
                    request.granted = asyncio.get_running_loop().time()  # the interval counts from here
                    yield
        finally:
            request.finished = asyncio.get_running_loop().time()
            self._signal()

    def note_answer(self, latency_s: float, ok: bool) -> None:
        target = latency_s / self.limits.target_concurrency
        delay = min(self.limits.max_delay_s, max(target, (self.delay + target) / 2))
        if ok or delay > self.delay:  # an error may slow the store down, never speed it up
            self.delay = delay
        if ok:
            self._rate_limited_in_a_row = 0

    def hold(self, seconds: float) -> None:
        """Start nothing for `seconds` from now."""
        self.cooldown_until = max(self.cooldown_until, asyncio.get_running_loop().time() + seconds)

    def cool_down(self, retry_after: float | None) -> float:
        """Holds the store after a 429; returns for how long."""
        self._rate_limited_in_a_row += 1
        wait = retry_after if retry_after is not None else min(COOLDOWN_MAX_S, 2.0 ** (self._rate_limited_in_a_row - 1))
        self.hold(wait)
        return wait

    def _signal(self) -> None:
        """Wakes every waiter to look again (no lock: deciding and granting a turn never awaits)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _grant(self, ready: Callable[[], None] | None) -> _Request:
        loop = asyncio.get_running_loop()
        me = Waiter(PRIORITY.get(), loop.time())
        self._waiting.append(me)
        self._signal()  # a waiter ahead of its turn hears of a stronger claim
        try:
            while True:
                if ready is not None:
                    ready()
                now = loop.time()
                wait = self._wait_for(me, now)
                if wait is None:
                    request = _Request(granted=now)
                    self._requests.append(request)
                    return request
                # short naps, so a caller that may no longer go (its breaker opened) hears it soon
                if ready is not None:
                    wait = min(wait, RECHECK_S)
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
                # races with the event, and the caller's own deadline would then never end the wait
                with suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._changed.wait()
        finally:
            self._waiting.remove(me)
            self._signal()

    def _wait_for(self, me: Waiter, now: float) -> float | None:
        """None when `me` may start now; else how long until something may change that."""
        if first(self._waiting, now, priority.AGING_S) is not me:
            return priority.AGING_S  # woken when the one ahead is served, or by a newcomer
        horizon = now - WINDOW_S - JITTER_MARGIN_S
        while self._requests and (done := self._requests[0].finished) is not None and done <= horizon:
            self._requests.popleft()
        # requests that may have reached the store within the window: finished inside it, or in flight
        recent = [r for r in self._requests if r.finished is None or r.finished > horizon]
        if sum(r.finished is None for r in recent) >= self.limits.concurrency:
            return priority.AGING_S  # woken when one finishes
        earliest = max(now, self.cooldown_until)
        if self._requests:
            earliest = max(earliest, self._requests[-1].granted + self.interval)
        per_window = max(1, math.floor(self.rate_per_s * WINDOW_S))
        excess = len(recent) - per_window + 1
        if excess > 0:
            ends = sorted(r.finished for r in recent if r.finished is not None)
            if len(ends) < excess:  # only a request in flight finishing can make room
                return priority.AGING_S
            earliest = max(earliest, ends[excess - 1] + WINDOW_S + JITTER_MARGIN_S)
        return None if earliest <= now else earliest - now


class PacingLayer(Layer):
    """Each store's concurrency and adaptive request rate, as its profile sets them; with a shared
    quota, the store's rate is shared with the other processes."""

    def __init__(self, inner: Fetcher, quota: SharedQuota | None = None) -> None:
        super().__init__(inner)
        self.quota = quota
        self.pacers: dict[str, Pacer] = {}
        self._robots: dict[str, asyncio.Task[None]] = {}  # one read of robots.txt per store

    def pacer(self, profile: StoreProfile) -> Pacer:
        if profile.id not in self.pacers:
            shared_slot = partial(self.quota.slot, profile.id) if self.quota is not None else None
            self.pacers[profile.id] = Pacer(profile.limits, shared_slot=shared_slot)
        pacer = self.pacers[profile.id]
        pacer.limits = profile.limits  # a reloaded profile's rate applies from its next request
        return pacer

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        pacer = self.pacer(profile)
        if profile.limits.robots_txt:
            if profile.id not in self._robots:
                self._robots[profile.id] = asyncio.ensure_future(self._read_robots(profile, pacer))
            await asyncio.shield(self._robots[profile.id])  # a caller giving up does not stop the read
        return await self._paced(profile, pacer, request)

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            if self.quota is not None:
                await self.quota.shared.aclose()

    async def _read_robots(self, profile: StoreProfile, pacer: Pacer) -> None:
        try:
            fetched = await self._paced(profile, pacer, robots_request(profile.base_url))
        except FetchError as exc:
            log.info("%s: robots.txt not read (%s); read again before the next request", profile.id, exc)
            del self._robots[profile.id]
            return
        interval = robots_interval(fetched.text) if fetched.status == 200 else None
        if interval is not None:
            pacer.robots_interval = interval
            log.info("%s: robots.txt asks %g s between requests", profile.id, interval)

    async def _paced(self, profile: StoreProfile, pacer: Pacer, request: SearchRequest) -> Fetched:
        async with pacer.slot(still_admitted):
            started = time.monotonic()
            try:
                fetched = await self.inner.fetch(profile, request)
            except (FetchTimeout, NetworkError):
                pacer.note_answer(time.monotonic() - started, ok=False)
                # the others in flight are likely failing too: let their verdict reach the breaker
                # before anything more is sent
                pacer.hold(pacer.delay)
                raise
        if fetched.status == 429:
            wait = pacer.cool_down(retry_after_s(fetched.headers.get("Retry-After")))
            if self.quota is not None:
                await self.quota.cool_down(profile.id, wait)
        pacer.note_answer(fetched.elapsed_s, ok=fetched.status < 400)
        return fetched
