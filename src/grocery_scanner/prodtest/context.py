"""What a scenario is given to run with, and what makes one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.prodtest.measure import MemorySampler
from grocery_scanner.prodtest.plans import Progress
from grocery_scanner.prodtest.results import Measured
from grocery_scanner.settings import Settings


@dataclass
class Context:
    settings: Settings  # the settings the suite runs with: its SLA targets are the thresholds
    scale: float  # --duration-scale: durations are multiplied by it, counts too but never above their scale 1
    parser: LineParser  # loaded once: every scenario's plans parse with it
    memory: MemorySampler  # sampling since the scenario started
    progress: Progress

    def scaled(self, count: int, least: int = 1) -> int:
        """A count at this scale, never below `least` nor above `count`: a longer run (hours of endurance)
        does not make a burst of plans larger than the load it stands for."""
        return max(least, round(count * min(self.scale, 1.0)))


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    run: Callable[[Context], Awaitable[Measured]]
