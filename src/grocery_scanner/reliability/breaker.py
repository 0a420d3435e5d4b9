"""A circuit breaker per store, so a store that is down is asked by a few probes, not by every search.

Semantics of resilience4j's count-based breaker, with Envoy's growing open time:
- closed: the outcomes of the last `window` calls are kept; once there are `min_calls`, a failure
  rate or a slow-call rate at or above its threshold opens the breaker; so do `timeouts_in_a_row`
  timeouts in a row (a hung store);
- open: calls fail at once with CircuitOpen for the open period, which doubles with each trip in a
  row (capped, with jitter so that many breakers do not probe together);
- half-open: after the open period, `probes` calls are let through one at a time; a failure opens
  the breaker again for longer, the last success closes it.
Failures are what say the store is unwell: network errors, timeouts, 5xx and blocks. A 429 is
pacing's business, a 4xx our own mistake, an unreadable page the connector's. Every transition is
logged.

A breaker's state outlives its process (`snapshot`/`restore`, kept in the database by the
workflow): a CLI plan started while a store's breaker is open does not send that store a fresh
window of calls to find out again; once the open period is over, the probes go first.

Where the state lives is the layer's `BreakerStates`: by default this process (each CircuitBreaker
decides by the rules below), or Redis, shared by every process (reliability/shared_breaker.py: the
same rules in a Lua script, the CircuitBreaker then a mirror of the shared state).
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from grocery_scanner.errors import Blocked, CircuitOpen, FetchError, FetchTimeout, NetworkError, ServerError
from grocery_scanner.fetch.chain import ADMISSION, Fetched, Fetcher, Layer
from grocery_scanner.reliability.policies import BreakerPolicy

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 10.0  # a profile's timeout is filled from the settings when a store set is opened
STORE_FAILURES = (NetworkError, FetchTimeout, ServerError, Blocked)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


def counts_as_failure(error: FetchError) -> bool:
    return isinstance(error, STORE_FAILURES)


# why a breaker opens, by the name the shared state's script reports it under
CAUSES = {
    "probe-failed": "a probe failed",
    "timeouts": "{calls} timeouts in a row",
    "failure-rate": "{share:.0%} of the last {calls} calls failed",
    "slow-call-rate": "{share:.0%} of the last {calls} calls took {slow_s:g} s or more",
}


def cause(name: str, calls: int = 0, share: float = 0.0, slow_s: float = 0.0) -> str:
    return CAUSES[name].format(calls=calls, share=share, slow_s=slow_s)


def opened(why: str, period: float, trips: int) -> str:
    return f"{why}; open for {period:.1f} s (trip {trips})"


def half_opened(probes: int) -> str:
    return f"open period over; {probes} probe(s) to pass"


def closed(passed: int) -> str:
    return f"{passed} probe(s) passed"


@dataclass(frozen=True)
class BreakerSnapshot:
    """A breaker's state in wall-clock time, to carry it over to another process."""

    store_id: str
    state: BreakerState
    trips: int
    open_until: datetime | None  # UTC; for an open breaker
    reason: str

    def state_at(self, now: datetime) -> str:
        """As a status report shows it: an open breaker whose period is over waits for its probes."""
        if self.state is BreakerState.OPEN and self.open_until is not None and self.open_until <= now:
            return BreakerState.HALF_OPEN.value
        return self.state.value


@dataclass
class Transition:
    at: float
    old: BreakerState
    new: BreakerState
    reason: str


@dataclass
class CircuitBreaker:
    store_id: str
    policy: BreakerPolicy
    slow_call_s: float
    clock: Callable[[], float] = time.monotonic
    state: BreakerState = BreakerState.CLOSED
    trips: int = 0  # trips in a row, without a recovery between them
    open_until: float = 0.0
    transitions: deque[Transition] = field(default_factory=lambda: deque(maxlen=50))
    generation: int = 0  # how many times it has opened: a call admitted before an opening is stale
    _calls: deque[tuple[bool, bool]] = field(default_factory=deque)  # (failed, slow), newest last
    _probing: bool = False
    _probes_passed: int = 0
    _timeouts: int = 0  # timeouts in a row
    _heard: bool = False  # a call's outcome or a shared state has reached it

    def allow(self) -> bool:
        """Whether a call may go now; a True in half-open makes the caller the probe. Raises nothing."""
        now = self.clock()
        if self.state is BreakerState.OPEN:
            if now < self.open_until:
                return False
            self._move(BreakerState.HALF_OPEN, half_opened(self.policy.probes))
        if self.state is BreakerState.HALF_OPEN:
            if self._probing:
                return False
            self._probing = True
        return True

    def acquire(self) -> int:
        """Admits a call (returning the generation it was admitted in) or raises CircuitOpen."""
        if not self.allow():
            raise self.refusal()
        return self.generation

    def refusal(self) -> CircuitOpen:
        wait = max(0.0, self.open_until - self.clock())
        why = "a probe is under way" if self.state is BreakerState.HALF_OPEN else f"retry in {wait:.1f} s"
        return CircuitOpen(self.store_id, f"circuit breaker {self.state.value}: the store is not asked now ({why})")

    def recheck(self, generation: int) -> None:
        """A call admitted earlier, about to leave: refused if the breaker has opened since."""
        if generation != self.generation:
            raise CircuitOpen(self.store_id, "circuit breaker opened while the request waited its turn: not sent")

    def record(self, failed: bool, elapsed_s: float, timed_out: bool = False) -> None:
        self._heard = True
        slow = elapsed_s >= self.slow_call_s
        self._timeouts = self._timeouts + 1 if timed_out else 0
        if self.state is BreakerState.HALF_OPEN:
            self._probing = False
            if failed:
                self._trip(cause("probe-failed"))
                return
            self._probes_passed += 1
            if self._probes_passed >= self.policy.probes:
                self.trips = 0
                self._calls.clear()
                self._move(BreakerState.CLOSED, closed(self._probes_passed))
            return
        if self.state is not BreakerState.CLOSED:
            return  # a call that started before the breaker opened
        self._calls.append((failed, slow))
        while len(self._calls) > self.policy.window:
            self._calls.popleft()
        if self._timeouts >= self.policy.timeouts_in_a_row:
            self._trip(cause("timeouts", self._timeouts))
            return
        if len(self._calls) < self.policy.min_calls:
            return
        calls = len(self._calls)
        failures = sum(f for f, _ in self._calls) / calls
        slow_calls = sum(s for _, s in self._calls) / calls
        if failures >= self.policy.failure_rate:
            self._trip(cause("failure-rate", calls, failures))
        elif slow_calls >= self.policy.slow_call_rate:
            self._trip(cause("slow-call-rate", calls, slow_calls, self.slow_call_s))

    def adopt(self, state: BreakerState, trips: int, open_left_s: float, reopened: bool, reason: str) -> None:
        """Takes over the shared state, as another process or this one's last call left it; `reopened`:
        it has opened since this process last looked, so calls admitted before are stale."""
        self._heard = True
        self.trips = trips
        self.open_until = self.clock() + open_left_s
        if reopened:
            self.generation += 1
            self._probes_passed = 0
            self._probing = False
        if state is not self.state:
            self._move(state, reason)

    def snapshot(self, now: datetime) -> BreakerSnapshot:
        """The state as of `now` (UTC). Half-open counts as open until now: a probe is still owed."""
        reason = self.transitions[-1].reason if self.transitions else "no trip"
        if self.state is BreakerState.CLOSED:
            return BreakerSnapshot(self.store_id, self.state, self.trips, None, reason)
        remaining = max(0.0, self.open_until - self.clock())
        return BreakerSnapshot(self.store_id, BreakerState.OPEN, self.trips, now + timedelta(seconds=remaining), reason)

    def restore(self, snapshot: BreakerSnapshot, now: datetime) -> None:
        """Takes over an open breaker from an earlier process; one whose period has run out lets its
        probes through first. A closed snapshot changes nothing."""
        if snapshot.state is BreakerState.CLOSED or snapshot.open_until is None:
            return
        remaining = max(0.0, (snapshot.open_until - now).total_seconds())
        self.trips = snapshot.trips
        self.open_until = self.clock() + remaining
        self._probes_passed = 0
        self._probing = False
        self._calls.clear()
        self.generation += 1
        self._move(BreakerState.OPEN, f"carried over from an earlier run ({snapshot.reason}); {remaining:.1f} s left")

    @property
    def used(self) -> bool:
        """Whether this process has a verdict of its own on the store."""
        return self._heard or bool(self.transitions)

    def release(self) -> None:
        """A call that ended without a verdict (cancelled): a probe slot is given back."""
        if self.state is BreakerState.HALF_OPEN:
            self._probing = False

    def _trip(self, reason: str) -> None:
        self.trips += 1
        self._timeouts = 0
        period = min(self.policy.open_max_s, self.policy.open_s * 2 ** (self.trips - 1))
        period *= 1 + random.uniform(-self.policy.jitter, self.policy.jitter)
        self.open_until = self.clock() + period
        self._probes_passed = 0
        self._probing = False
        self.generation += 1
        self._move(BreakerState.OPEN, opened(reason, period, self.trips))

    def _move(self, new: BreakerState, reason: str) -> None:
        old, self.state = self.state, new
        self.transitions.append(Transition(self.clock(), old, new, reason))
        log.warning("circuit breaker %s: %s -> %s: %s", self.store_id, old.value, new.value, reason)


@dataclass(frozen=True)
class Admission:
    """A call let through: the breaker's generation then, and whether it is the half-open probe."""

    generation: int
    probe: bool


class BreakerStates(Protocol):
    """Where the breakers' state lives and is decided: each call is admitted, rechecked before it
    leaves, and then either recorded or released (ended without a verdict)."""

    async def acquire(self, breaker: CircuitBreaker) -> Admission: ...

    def recheck(self, breaker: CircuitBreaker, admission: Admission) -> None: ...

    async def record(self, breaker: CircuitBreaker, failed: bool, elapsed_s: float, timed_out: bool) -> None: ...

    async def release(self, breaker: CircuitBreaker, admission: Admission) -> None: ...

    async def aclose(self) -> None: ...


def admit(breaker: CircuitBreaker) -> Admission:
    """The breaker's own decision: a call admitted, or CircuitOpen raised."""
    generation = breaker.acquire()
    return Admission(generation, breaker.state is BreakerState.HALF_OPEN)


class LocalStates:
    """This process's own breakers: each CircuitBreaker decides."""

    async def acquire(self, breaker: CircuitBreaker) -> Admission:
        return admit(breaker)

    def recheck(self, breaker: CircuitBreaker, admission: Admission) -> None:
        breaker.recheck(admission.generation)

    async def record(self, breaker: CircuitBreaker, failed: bool, elapsed_s: float, timed_out: bool) -> None:
        breaker.record(failed, elapsed_s, timed_out)

    async def release(self, breaker: CircuitBreaker, admission: Admission) -> None:
        breaker.release()

    async def aclose(self) -> None:
        return None


class BreakerLayer(Layer):
    """The fetch chain's breaker: one CircuitBreaker per store, from its profile, its state this
    process's own or shared (`states`)."""

    def __init__(self, inner: Fetcher, states: BreakerStates | None = None) -> None:
        super().__init__(inner)
        self.states = states or LocalStates()
        self.breakers: dict[str, CircuitBreaker] = {}

    def breaker(self, profile: StoreProfile) -> CircuitBreaker:
        if profile.id not in self.breakers:
            slow = profile.breaker.slow_after(profile.limits.timeout_s or DEFAULT_TIMEOUT_S)
            self.breakers[profile.id] = CircuitBreaker(profile.id, profile.breaker, slow)
        breaker = self.breakers[profile.id]
        breaker.policy = profile.breaker  # a reloaded profile's thresholds apply from its next call
        return breaker

    def snapshots(self, now: datetime) -> list[BreakerSnapshot]:
        """The breakers this process has a verdict on."""
        return [b.snapshot(now) for b in self.breakers.values() if b.used]

    def restore(self, profiles: list[StoreProfile], snapshots: list[BreakerSnapshot], now: datetime) -> None:
        """Earlier runs' verdicts, for the stores this process has not asked yet."""
        by_id = {p.id: p for p in profiles}
        for snapshot in snapshots:
            if snapshot.store_id in by_id and not self.breaker(by_id[snapshot.store_id]).used:
                self.breakers[snapshot.store_id].restore(snapshot, now)

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        breaker = self.breaker(profile)
        admission = await self.states.acquire(breaker)
        token = ADMISSION.set(lambda: self.states.recheck(breaker, admission))
        # how slow the store is, not how long the request waited its turn: the answer's own time
        try:
            fetched = await self.inner.fetch(profile, request)
        except CircuitOpen:
            await self.states.release(breaker, admission)  # refused on its way out: no verdict on the store
            raise
        except FetchError as exc:
            timed_out = isinstance(exc, FetchTimeout)
            waited = (profile.limits.timeout_s or DEFAULT_TIMEOUT_S) if timed_out else 0.0
            await self.states.record(breaker, counts_as_failure(exc), waited, timed_out)
            raise
        except BaseException:
            await self.states.release(breaker, admission)
            raise
        finally:
            ADMISSION.reset(token)
        await self.states.record(breaker, False, fetched.elapsed_s, False)
        return fetched

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            await self.states.aclose()
