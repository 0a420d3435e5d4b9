"""How hard a store may be called, and how its failures are handled: the reliability part of a store
profile. Every setting has a safe default; a store set may change them for all its stores
(`defaults:`) and each store for itself."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RequestLimits(BaseModel):
    """Pacing and timeouts: at most `rate_per_s` requests reach the store in any second."""

    model_config = ConfigDict(extra="forbid")

    rate_per_s: float = Field(default=5.0, gt=0, le=1000)
    concurrency: int = Field(default=4, ge=1, le=256)
    timeout_s: float | None = Field(default=None, gt=0, le=300)  # None: the http_timeout_s setting
    connect_timeout_s: float | None = Field(default=None, gt=0, le=300)
    # AutoThrottle: the delay between requests follows the store's latency divided by this
    target_concurrency: float = Field(default=2.0, gt=0, le=256)
    max_delay_s: float = Field(default=10.0, ge=0, le=600)  # the latency rule never waits longer
    peak_hours: list[int] = Field(default_factory=list)  # local hours (0-23) when peak_rate_per_s applies
    peak_rate_per_s: float | None = Field(default=None, gt=0, le=1000)
    # read the store's robots.txt once and keep its Crawl-delay / Request-rate (real stores' sets do)
    robots_txt: bool = False

    @model_validator(mode="after")
    def _check(self) -> RequestLimits:
        if any(not 0 <= h <= 23 for h in self.peak_hours):
            raise ValueError("peak_hours are hours of the day, 0 to 23")
        if self.peak_rate_per_s is not None and self.peak_rate_per_s > self.rate_per_s:
            raise ValueError("peak_rate_per_s must not exceed rate_per_s")
        return self


class RetryPolicy(BaseModel):
    """Retries of network failures, timeouts and 5xx answers; never of blocks or our own mistakes."""

    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(default=5, ge=1, le=10)  # 1: no retry; with a 20% failure rate 5 lose 0.03%
    deadline_s: float = Field(default=30.0, gt=0, le=600)  # over all attempts of one request
    wait_initial_s: float = Field(default=0.2, ge=0, le=60)
    wait_max_s: float = Field(default=5.0, ge=0, le=120)
    wait_jitter_s: float = Field(default=0.2, ge=0, le=60)
    max_retry_after_s: float = Field(default=60.0, ge=0, le=3600)  # a longer Retry-After is not waited for


class BreakerPolicy(BaseModel):
    """The store's circuit breaker: resilience4j's count-based window, Envoy's growing open time."""

    model_config = ConfigDict(extra="forbid")

    # a store failing one call in four must not trip it by chance: a 40-call window at 60% does not,
    # while a store that is down trips after its first 8 calls
    window: int = Field(default=40, ge=1, le=1000)  # the last N calls
    min_calls: int = Field(default=8, ge=1, le=1000)  # no verdict on fewer
    failure_rate: float = Field(default=0.6, gt=0, le=1)
    slow_call_s: float | None = Field(default=None, gt=0)  # None: 80% of the request timeout
    slow_call_rate: float = Field(default=0.8, gt=0, le=1)
    open_s: float = Field(default=5.0, gt=0, le=3600)  # the first open period; doubles with each trip
    open_max_s: float = Field(default=120.0, gt=0, le=86400)
    jitter: float = Field(default=0.1, ge=0, le=1)  # open periods vary by this share
    probes: int = Field(default=2, ge=1, le=100)  # calls let through, one at a time, when half-open
    # timeouts in a row that open it before min_calls: a hung store holds a request slot per timeout,
    # so waiting for min_calls would cost several timeouts instead of one
    timeouts_in_a_row: int = Field(default=4, ge=1, le=1000)

    def slow_after(self, timeout_s: float) -> float:
        """When a call counts as slow: the set time, else 80% of the request timeout."""
        return self.slow_call_s or 0.8 * timeout_s

    @model_validator(mode="after")
    def _check(self) -> BreakerPolicy:
        if self.min_calls > self.window:
            raise ValueError("min_calls must not exceed window")
        if self.open_max_s < self.open_s:
            raise ValueError("open_max_s must be at least open_s")
        return self


class CachePolicy(BaseModel):
    """How long a store's answers are served from the cache (fresh), and how long its last known prices
    may stand in when it cannot answer, marked stale with their age."""

    model_config = ConfigDict(extra="forbid")

    fresh_s: float = Field(default=3600.0, ge=0, le=30 * 86400)  # 0: never served from the cache
    stale_s: float = Field(default=7 * 86400.0, ge=0, le=365 * 86400)
    stale_confidence: float = Field(default=0.8, gt=0, le=1)  # how much a stale price is trusted


class PoolPolicy(BaseModel):
    """The process's requests in flight over all stores together: more while the process keeps up,
    fewer while its CPU, memory or event loop say it does not (Crawlee's autoscaled pool)."""

    model_config = ConfigDict(extra="forbid")

    min_concurrency: int = Field(default=4, ge=1, le=4096)
    max_concurrency: int = Field(default=64, ge=1, le=4096)
    start_concurrency: int = Field(default=16, ge=1, le=4096)
    max_loop_lag_s: float = Field(default=0.25, gt=0, le=60)  # a callback late by more: overloaded
    max_cpu: float = Field(default=0.95, gt=0, le=64)  # the process's CPU, in cores
    max_memory_mb: float | None = Field(default=None, gt=0)  # None: 70% of the machine's memory
    sample_s: float = Field(default=0.5, gt=0, le=60)
    scale_up: float = Field(default=0.1, gt=0, le=1)  # share added per sample while busy and keeping up
    scale_down: float = Field(default=0.2, gt=0, lt=1)  # share taken off per overloaded sample

    @model_validator(mode="after")
    def _check(self) -> PoolPolicy:
        if not self.min_concurrency <= self.start_concurrency <= self.max_concurrency:
            raise ValueError("min_concurrency <= start_concurrency <= max_concurrency must hold")
        return self
