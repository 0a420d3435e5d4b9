"""Whose request goes first when requests wait: an interactive plan's before batch work's before cache
warming's. A waiting request's claim grows with its wait (one class per AGING_S seconds), so no class
starves. A plan sets its priority for its searches in PRIORITY; the waits that order by it (a store's
pacing, the overall request pool) read it there."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum

AGING_S = 10.0  # a request waiting this long is served like one of the next class up


class Priority(IntEnum):
    INTERACTIVE = 0  # a person waits for the plan
    BATCH = 1  # scheduled or bulk plans
    WARMING = 2  # filling the cache ahead of need


# the priority of the requests made in this context (a plan sets it for its searches)
PRIORITY: ContextVar[Priority] = ContextVar("priority", default=Priority.INTERACTIVE)
_order = itertools.count()


@dataclass
class Waiter:
    priority: Priority
    since: float
    order: int = field(default_factory=lambda: next(_order))

    def claim(self, now: float, aging_s: float = AGING_S) -> tuple[float, int]:
        """Lower goes first: the class, less one for every `aging_s` waited; then arrival order."""
        return (self.priority - (now - self.since) / aging_s, self.order)


def first(waiting: list[Waiter], now: float, aging_s: float = AGING_S) -> Waiter:
    """The waiter whose turn it is."""
    return min(waiting, key=lambda w: w.claim(now, aging_s))


@contextmanager
def requests_at(priority: Priority) -> Iterator[None]:
    """The requests made inside (and by the tasks started inside) take their turns at `priority`."""
    token = PRIORITY.set(priority)
    try:
        yield
    finally:
        PRIORITY.reset(token)
