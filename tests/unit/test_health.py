"""Store health from search outcomes."""

from __future__ import annotations

from grocery_scanner.reliability.health import Outcome, assess


def _outcomes(ok: int, failed: int, latency_s: float = 0.05, failure: str = "ServerError") -> list[Outcome]:
    return [Outcome(True, latency_s)] * ok + [Outcome(False, latency_s, failure)] * failed


def test_health_follows_success_rate_latency_and_breaker() -> None:
    assert assess("s", _outcomes(40, 1), "closed", 5, 4.0).status == "healthy"
    assert assess("s", _outcomes(30, 10), "closed", 5, 4.0).status == "degraded"
    assert assess("s", _outcomes(40, 0, latency_s=4.5), "closed", 5, 4.0).status == "degraded"  # slow answers
    assert assess("s", _outcomes(3, 10), "closed", 5, 4.0).status == "unhealthy"
    assert assess("s", _outcomes(40, 0), "open", 5, 4.0).status == "unhealthy"
    assert assess("s", _outcomes(40, 0), "half-open", 5, 4.0).status == "unhealthy"  # probes still owed
    assert assess("s", [], "closed", 5, 4.0).status == "unknown"


def test_searches_the_breaker_stopped_are_no_calls_but_name_the_last_error() -> None:
    health = assess("s", _outcomes(2, 5) + _outcomes(0, 10, failure="CircuitOpen"), "open", 5, 4.0)
    assert health.calls == 7 and health.success_rate == 2 / 7
    assert health.last_error == "CircuitOpen" and health.status == "unhealthy"
    quick = assess("s", [Outcome(True, 0.01), Outcome(True, 0.03)], "closed", 5, 4.0)
    assert quick.p50_ms is not None and 10 <= quick.p50_ms <= 30
