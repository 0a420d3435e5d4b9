"""Fault injection settings for one demo store, and the per-request draw."""

from __future__ import annotations

import math
import random
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Fault(StrEnum):
    NONE = "none"
    RESET = "reset"
    HANG = "hang"
    RATE_LIMIT = "rate_limit"
    ERROR = "error"
    TRUNCATE = "truncate"
    MALFORMED = "malformed"


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms_median: float = Field(default=25.0, ge=0)
    latency_ms_p95: float = Field(default=80.0, ge=0)
    error_rates: dict[int, float] = Field(default_factory=dict)
    rate_limit_rate: float = Field(default=0.0, ge=0, le=1)
    retry_after_s: float = Field(default=1.0, ge=0)
    hang_rate: float = Field(default=0.0, ge=0, le=1)
    hang_s: float = Field(default=60.0, ge=0)
    reset_rate: float = Field(default=0.0, ge=0, le=1)
    truncate_rate: float = Field(default=0.0, ge=0, le=1)
    malformed_rate: float = Field(default=0.0, ge=0, le=1)
    layout_changed: bool = False
    anomaly_rate: float = Field(default=0.0, ge=0, le=1)
    stale_days: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Faults:
        for status, rate in self.error_rates.items():
            if not 400 <= status <= 599 or not 0 <= rate <= 1:
                raise ValueError(f"error_rates: status {status} must be 400-599 and rate {rate} within 0..1")
        if self.latency_ms_p95 < self.latency_ms_median:
            raise ValueError("latency_ms_p95 must be >= latency_ms_median")
        total = sum(self.error_rates.values()) + self.rate_limit_rate + self.hang_rate + self.reset_rate
        if total + self.truncate_rate + self.malformed_rate > 1:
            raise ValueError("fault rates add up to more than 1")
        return self

    def latency_s(self, rng: random.Random) -> float:
        """A lognormal draw with the configured median and 95th percentile."""
        if self.latency_ms_median <= 0:
            return 0.0
        mu = math.log(self.latency_ms_median)
        sigma = (math.log(max(self.latency_ms_p95, self.latency_ms_median)) - mu) / 1.645
        return rng.lognormvariate(mu, sigma) / 1000

    def draw(self, rng: random.Random) -> tuple[Fault, int | None]:
        """Which fault this request gets, and the status code for Fault.ERROR."""
        roll = rng.random()
        for fault, rate in (
            (Fault.RESET, self.reset_rate),
            (Fault.HANG, self.hang_rate),
            (Fault.RATE_LIMIT, self.rate_limit_rate),
        ):
            if roll < rate:
                return fault, None
            roll -= rate
        for status, rate in sorted(self.error_rates.items()):
            if roll < rate:
                return Fault.ERROR, status
            roll -= rate
        for fault, rate in ((Fault.TRUNCATE, self.truncate_rate), (Fault.MALFORMED, self.malformed_rate)):
            if roll < rate:
                return fault, None
            roll -= rate
        return Fault.NONE, None
