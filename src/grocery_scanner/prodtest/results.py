"""What a scenario reports: its measured figures and the checks that decide whether it passed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    """One figure against its threshold; `source` says where the threshold comes from (an SLA target
    of the settings, or a named constant of the scenario)."""

    name: str
    value: float | None  # None: nothing was measured, which fails the check
    threshold: float
    higher_is_better: bool
    source: str

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.threshold if self.higher_is_better else self.value <= self.threshold

    def describe(self) -> str:
        shown = "-" if self.value is None else f"{self.value:g}"
        return f"{self.name} {shown} {'>=' if self.higher_is_better else '<='} {self.threshold:g} ({self.source})"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def at_least(name: str, value: float | None, threshold: float, source: str) -> Check:
    return Check(name, value, threshold, True, source)


def at_most(name: str, value: float | None, threshold: float, source: str) -> Check:
    return Check(name, value, threshold, False, source)


@dataclass
class Measured:
    """What a scenario's own code measured and judged."""

    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ScenarioResult:
    name: str
    summary: str
    wall_s: float
    figures: dict[str, Any]
    checks: list[Check]
    notes: list[str]
    error: str | None = None  # the scenario stopped with this exception: it failed

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed, "checks": [c.as_dict() for c in self.checks]}
