"""A circuit breaker's state carried from one process to the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grocery_scanner.reliability.breaker import BreakerSnapshot, BreakerState, CircuitBreaker
from grocery_scanner.reliability.policies import BreakerPolicy

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
POLICY = BreakerPolicy(window=4, min_calls=2, open_s=10, open_max_s=100, jitter=0, probes=2)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _tripped(clock: Clock) -> CircuitBreaker:
    breaker = CircuitBreaker("s", POLICY, slow_call_s=5, clock=clock)
    for _ in range(2):
        breaker.record(failed=True, elapsed_s=0.1)
    return breaker


def test_an_open_breaker_is_taken_over_with_the_time_it_has_left() -> None:
    old_clock, new_clock = Clock(), Clock()
    snapshot = _tripped(old_clock).snapshot(NOW)
    assert snapshot.state is BreakerState.OPEN and snapshot.open_until == NOW + timedelta(seconds=10)
    fresh = CircuitBreaker("s", POLICY, slow_call_s=5, clock=new_clock)
    fresh.restore(snapshot, NOW + timedelta(seconds=4))
    assert fresh.state is BreakerState.OPEN and not fresh.allow()
    new_clock.now += 5.9
    assert not fresh.allow()
    new_clock.now += 0.2  # the 10 s are over: one probe at a time, then the breaker decides
    assert fresh.allow() and not fresh.allow()
    fresh.record(failed=True, elapsed_s=0.1)
    assert fresh.state is BreakerState.OPEN and fresh.trips == 2  # the earlier trip counts: open longer
    assert fresh.open_until - new_clock.now == pytest.approx(20)


def test_an_expired_snapshot_lets_the_probes_go_first_and_a_closed_one_changes_nothing() -> None:
    clock = Clock()
    expired = BreakerSnapshot("s", BreakerState.OPEN, 1, NOW - timedelta(seconds=1), "5 calls failed")
    assert expired.state_at(NOW) == "half-open"
    breaker = CircuitBreaker("s", POLICY, slow_call_s=5, clock=clock)
    breaker.restore(expired, NOW)
    assert breaker.allow() and breaker.state is BreakerState.HALF_OPEN and not breaker.allow()
    for _ in range(2):
        breaker.record(failed=False, elapsed_s=0.1)
        breaker.allow()
    assert breaker.state is BreakerState.CLOSED
    closed = CircuitBreaker("s", POLICY, slow_call_s=5, clock=clock)
    closed.restore(BreakerSnapshot("s", BreakerState.CLOSED, 0, None, "no trip"), NOW)
    assert closed.state is BreakerState.CLOSED and not closed.used
