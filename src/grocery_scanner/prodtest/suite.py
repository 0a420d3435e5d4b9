"""Runs the chosen scenarios one after the other, each in a process of its own (forked from this one,
the ingredient parser already loaded): what one scenario leaves in memory, in caches or in its event
loop cannot flatter or burden the next, and its peak memory is its own. Each is measured from its own
start: its wall time, its peak memory (sampled), and whatever it measures itself. A scenario that raises,
or whose process dies, has failed, and the suite goes on with the next."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any, Protocol

import psutil

from grocery_scanner.errors import UserInputError
from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.models import utcnow
from grocery_scanner.prodtest.context import Context, Scenario
from grocery_scanner.prodtest.measure import MB, MemorySampler
from grocery_scanner.prodtest.plans import Progress
from grocery_scanner.prodtest.results import ScenarioResult, at_most
from grocery_scanner.prodtest.scenarios import SCENARIOS
from grocery_scanner.settings import Settings

SAMPLE_S = 0.1  # memory is sampled this often at scale 1
MAX_SCALE = 1000.0  # --duration-scale at most: endurance runs ENDURANCE_S x this (1000: about 33 h)


class Listener(Protocol):
    """Told how the suite is going (the command's progress display)."""

    def started(self, scenario: Scenario) -> None: ...

    def progress(self, done: float, total: float | None, detail: str) -> None: ...

    def finished(self, result: ScenarioResult) -> None: ...


class Silent:
    """A listener that is told nothing (the tests, a script)."""

    def started(self, scenario: Scenario) -> None:
        pass

    def progress(self, done: float, total: float | None, detail: str) -> None:
        pass

    def finished(self, result: ScenarioResult) -> None:
        pass


@dataclass
class SuiteResult:
    scale: float
    started_at: datetime
    wall_s: float
    settings: Settings
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "started_at": self.started_at.isoformat(),
            "wall_s": self.wall_s,
            "duration_scale": self.scale,
            "machine": {"cpus": os.cpu_count(), "memory_mb": round(psutil.virtual_memory().total / MB)},
            "sla": self.settings.sla.model_dump(mode="json"),
            "fetch_layers": self.settings.fetch_layers,
            "scenarios": [r.as_dict() for r in self.results],
        }


def chosen(names: Sequence[str] | None) -> list[Scenario]:
    """The scenarios by name, in the suite's order; all of them when none is named."""
    if not names:
        return list(SCENARIOS.values())
    if unknown := [n for n in names if n not in SCENARIOS]:
        raise UserInputError(f"unknown scenario {', '.join(unknown)}; valid: {', '.join(SCENARIOS)}")
    return [s for s in SCENARIOS.values() if s.name in names]


def check_scale(scale: float) -> float:
    if not math.isfinite(scale) or not 0 < scale <= MAX_SCALE:
        raise UserInputError(f"--duration-scale: must be above 0 and at most {MAX_SCALE:g}, got {scale:g}")
    return scale


def run_suite(
    scenarios: list[Scenario], scale: float, settings: Settings, listener: Listener | None = None
) -> SuiteResult:
    listener = listener or Silent()
    started, begun = utcnow(), time.perf_counter()
    parser = LineParser()
    suite = SuiteResult(check_scale(scale), started, 0.0, settings)
    for scenario in scenarios:
        listener.started(scenario)
        result = _in_own_process(scenario, scale, settings, parser, listener)
        suite.results.append(result)
        listener.finished(result)
    suite.wall_s = round(time.perf_counter() - begun, 1)
    return suite


def _in_own_process(
    scenario: Scenario, scale: float, settings: Settings, parser: LineParser, listener: Listener
) -> ScenarioResult:
    """The scenario run in a forked process, its progress relayed to the listener as it comes."""
    forking = multiprocessing.get_context("fork")
    receiving, sending = forking.Pipe(duplex=False)
    sys.stdout.flush()  # what this process has still to write is not the child's to write again
    sys.stderr.flush()
    begun = time.perf_counter()
    process = forking.Process(target=_child, args=(scenario, scale, settings, parser, sending), name=scenario.name)
    process.start()
    sending.close()
    result: ScenarioResult | None = None
    try:
        while True:
            try:
                kind, payload = receiving.recv()
            except EOFError:  # the child is gone
                break
            if kind == "progress":
                listener.progress(*payload)
            else:
                result = payload
    finally:  # stopped (Ctrl-C): the scenario's process must not wait for a reader that is gone
        if result is None and process.is_alive():
            process.terminate()
        process.join()
    if result is not None:
        return result
    wall = round(time.perf_counter() - begun, 1)
    error = f"the scenario's process died (exit code {process.exitcode})"
    return ScenarioResult(scenario.name, scenario.summary, wall, {}, [], [], error)


def _child(scenario: Scenario, scale: float, settings: Settings, parser: LineParser, sending: Connection) -> None:
    def progress(done: float, total: float | None, detail: str) -> None:
        sending.send(("progress", (done, total, detail)))

    try:
        sending.send(("result", asyncio.run(_run(scenario, scale, settings, parser, progress))))
    except KeyboardInterrupt:  # Ctrl-C reached the whole process group: the command says so, once
        return
    finally:
        sending.close()


async def _run(
    scenario: Scenario, scale: float, settings: Settings, parser: LineParser, progress: Progress
) -> ScenarioResult:
    begun = time.perf_counter()
    with MemorySampler(SAMPLE_S * max(1.0, scale)) as memory:  # a long run: as many samples, further apart
        try:
            measured = await scenario.run(Context(settings, scale, parser, memory, progress))
            error = None
        except Exception as exc:  # the scenario failed; the suite goes on with the next
            measured, error = None, f"{type(exc).__name__}: {exc}"
    figures = {**(measured.figures if measured else {}), "peak_memory_mb": round(memory.peak_mb, 1)}
    checks = [
        *(measured.checks if measured else []),
        at_most("peak_memory_mb", figures["peak_memory_mb"], settings.sla.peak_memory_mb, "sla.peak_memory_mb"),
    ]
    wall = round(time.perf_counter() - begun, 1)
    notes = measured.notes if measured else []
    return ScenarioResult(scenario.name, scenario.summary, wall, figures, checks, notes, error)
