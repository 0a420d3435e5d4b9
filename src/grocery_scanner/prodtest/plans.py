"""Plans run as a scenario's load, each timed from its submission to its plan, and the figures every
load reports: success rate, latency p50/p95, the quality score of what the plans bought."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from grocery_scanner.monitoring.config import SlaTargets
from grocery_scanner.prodtest.harness import Harness
from grocery_scanner.prodtest.results import Check, at_least, at_most
from grocery_scanner.reliability.health import percentile
from grocery_scanner.services import Services
from grocery_scanner.workflow.plan_run import PlanResult, run_plan

Progress = Callable[[float, float | None, str], None]  # (done, total or None, what is under way)


@dataclass(frozen=True)
class PlanOutcome:
    started: float  # monotonic seconds
    seconds: float  # from submission to the plan (or the failure)
    error: str | None = None  # None: the plan was made
    quality: float | None = None  # the quality score of the offers it judged (their batch)
    result: PlanResult | None = None  # kept for the scenarios that read the plans; not by a long run

    @property
    def ok(self) -> bool:
        return self.error is None


class PlanLoad:
    """Runs plans on a harness, all at once or by a number of workers for a while, and keeps how many
    were in flight at the same time."""

    def __init__(self, harness: Harness, progress: Progress, services: Services | None = None) -> None:
        self.harness = harness
        self.progress = progress
        self.services = services or harness.services  # other services: another process, on the same data
        self.in_flight = 0
        self.max_in_flight = 0

    async def one(
        self, text: str, submitted: float | None = None, stores: list[str] | None = None, keep: bool = True
    ) -> PlanOutcome:
        """One plan (at these stores; by default all), timed from `submitted` (by default: now); with
        `keep`, the outcome holds the plan's result."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        started = time.monotonic() if submitted is None else submitted
        try:
            result = await run_plan(self.harness.request(text, stores), self.services, self.harness.db)
        except Exception as exc:  # a failed plan is a figure of the scenario, not the end of it
            return PlanOutcome(started, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
        finally:
            self.in_flight -= 1
        quality = result.stats.get("quality", {}).get("batch", {}).get("score")
        return PlanOutcome(started, time.monotonic() - started, None, quality, result if keep else None)

    async def burst(
        self, texts: list[str], label: str, stores: Callable[[int], list[str] | None] = lambda _: None
    ) -> list[PlanOutcome]:
        """Every plan submitted at once; `stores(n)` chooses the stores of the n-th (by default all)."""
        done = 0
        self.progress(0, len(texts), label)

        async def counted(n: int, text: str) -> PlanOutcome:
            nonlocal done
            outcome = await self.one(text, stores=stores(n))
            done += 1
            self.progress(done, len(texts), label)
            return outcome

        return list(await asyncio.gather(*(counted(n, text) for n, text in enumerate(texts))))

    async def queued(self, texts: list[str], workers: int, label: str) -> list[PlanOutcome]:
        """Every plan submitted at once, `workers` of them run at a time and the rest waiting their turn,
        as the web service runs them (max_concurrent_plans): a plan's time includes its wait."""
        submitted, waiting, outcomes = time.monotonic(), list(reversed(texts)), []
        self.progress(0, len(texts), label)

        async def worker() -> None:
            while waiting:
                outcomes.append(await self.one(waiting.pop(), submitted))
                self.progress(len(outcomes), len(texts), label)

        await asyncio.gather(*(worker() for _ in range(workers)))
        return outcomes

    async def sustained(self, texts: Iterator[str], workers: int, duration_s: float) -> list[PlanOutcome]:
        """`workers` plans at a time, each worker starting its next plan as its last one ends, until
        `duration_s` has passed (plans under way then finish). The plans' results are not kept: an
        hours-long run would otherwise grow with them."""
        outcomes: list[PlanOutcome] = []
        started = time.monotonic()

        async def worker() -> None:
            while (elapsed := time.monotonic() - started) < duration_s:
                self.progress(elapsed, duration_s, f"{len(outcomes)} plans")
                outcomes.append(await self.one(next(texts), keep=False))

        await asyncio.gather(*(worker() for _ in range(workers)))
        return sorted(outcomes, key=lambda o: o.started)


def load_figures(outcomes: list[PlanOutcome]) -> dict[str, Any]:
    """Plans, success rate, latency p50/p95 (every plan, failed ones included) and the mean quality
    score of the offers the successful plans judged."""
    succeeded = [o for o in outcomes if o.ok]
    seconds = [o.seconds for o in outcomes]
    scores = [o.quality for o in succeeded if o.quality is not None]
    errors = sorted({o.error for o in outcomes if o.error})
    return {
        "plans": len(outcomes),
        "succeeded": len(succeeded),
        "success_rate": round(len(succeeded) / len(outcomes), 4) if outcomes else None,
        "latency_p50_s": round(percentile(seconds, 0.5), 3) if seconds else None,
        "latency_p95_s": round(percentile(seconds, 0.95), 3) if seconds else None,
        "quality_score": round(sum(scores) / len(scores), 1) if scores else None,
        **({"errors": errors[:5]} if errors else {}),
    }


def load_checks(
    figures: dict[str, Any], sla: SlaTargets, latency_s: float | None = None, latency_source: str = "sla.plan_p95_s"
) -> list[Check]:
    """Success rate and latency p95 against the SLA (or the latency a scenario allows instead)."""
    return [
        at_least("success_rate", figures["success_rate"], sla.success_rate, "sla.success_rate"),
        at_most("latency_p95_s", figures["latency_p95_s"], latency_s or sla.plan_p95_s, latency_source),
    ]


def quality_check(figures: dict[str, Any], sla: SlaTargets) -> Check:
    return at_least("quality_score", figures["quality_score"], sla.quality_score, "sla.quality_score")
