"""The Redis through which the processes of a deployment share their breakers and store quotas
(`shared_state_url`), and what a process does when it cannot reach it.

Redis is asked once when a fetch chain is built: a wrong URL or a Redis that is down fails at
start-up, in one line naming the setting; running on local state instead would quietly let every
process send each store its whole rate. Once running, a failed Redis call never fails a request: it
falls back to the process's local state for that request, the outage is logged once, and Redis is
asked again after RETRY_S (redis-py reconnects by itself).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from grocery_scanner.errors import UserInputError

log = logging.getLogger(__name__)
T = TypeVar("T")
SHARED_ERRORS = (RedisError, OSError)
TIMEOUT_S = 0.5  # a loopback or LAN Redis answers in well under a millisecond
RETRY_S = 2.0  # after a failed call, local state for this long before Redis is asked again
PREFIX = "grocery-scanner:"


class SharedState:
    """One connection pool to the shared Redis for one part (`what`: breakers, quotas), and that
    part's fallback to local state when Redis fails."""

    def __init__(self, url: str, what: str) -> None:
        self.url = url
        self.what = what
        # one immediate retry: a pooled connection that went stale (Redis restarted) is opened again
        self.redis = Redis.from_url(
            url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S, retry=Retry(NoBackoff(), 1)
        )
        self._retry_at = 0.0
        self._down = False

    async def attempt(self, call: Callable[[], Awaitable[T]], fallback: Callable[[], T]) -> T:
        """`call`'s answer from Redis; while Redis cannot answer, `fallback`'s from the local state."""
        if time.monotonic() < self._retry_at:
            return fallback()
        try:
            answer = await call()
        except SHARED_ERRORS as exc:
            if not self._down:
                log.warning("shared %s: Redis unreachable (%s); local state until it answers", self.what, exc)
            self._down, self._retry_at = True, time.monotonic() + RETRY_S
            return fallback()
        if self._down:
            log.warning("shared %s: Redis answers again", self.what)
            self._down = False
        return answer

    async def aclose(self) -> None:
        await self.redis.aclose()


def check_reachable(url: str) -> None:
    """Raises a UserInputError naming the setting unless Redis at `url` answers a ping (at start-up:
    blocking for at most TIMEOUT_S is fine there)."""
    try:
        with SyncRedis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S) as probe:
            probe.ping()
    except (*SHARED_ERRORS, ValueError) as exc:
        raise UserInputError(f"shared_state_url (GROCERY_SHARED_STATE_URL): Redis does not answer: {exc}") from None
