"""Measuring helpers: memory sampled in the background, the busiest second at a store."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import psutil

MB = 2**20


class MemorySampler:
    """Samples the resident memory of this process and its children (the plan processes a scenario
    starts) in a background thread, as `with MemorySampler() as memory:`. The peak of the samples is a
    scenario's peak, not the process's lifetime maximum that ru_maxrss would give."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.samples: list[tuple[float, float]] = []  # (monotonic seconds, MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prodtest-memory", daemon=True)
        self._process = psutil.Process()

    def __enter__(self) -> MemorySampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def peak_mb(self) -> float:
        return max(mb for _, mb in self.samples)

    def between(self, start: float, end: float) -> list[float]:
        """The samples (MB) taken in [start, end) of the monotonic clock."""
        return [mb for at, mb in self.samples if start <= at < end]

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def _sample(self) -> None:
        total = 0
        for process in [self._process, *self._process.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.Error:  # a child that ended between the listing and the reading
                continue
        self.samples.append((time.monotonic(), total / MB))
