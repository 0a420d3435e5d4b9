"""Per-client request quotas of the service (the `limits` library's sliding-window counters)."""

from __future__ import annotations

import math
import time

from fastapi import HTTPException, status
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from grocery_scanner.errors import UserInputError


class RateLimits:
    """Per-client request quotas (sliding-window counters, in this process's memory)."""

    def __init__(self, every_request: str, submissions: str) -> None:
        self.update(every_request, submissions)
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def update(self, every_request: str, submissions: str) -> None:
        self.every_request, self.submissions = self.checked(every_request, submissions)

    @staticmethod
    def checked(every_request: str, submissions: str) -> tuple[RateLimitItem, RateLimitItem]:
        """Both limits read, or a one-line error naming the wrong one."""
        return _parsed(every_request, "RATE_LIMIT"), _parsed(submissions, "SUBMIT_RATE_LIMIT")

    async def take(self, item: RateLimitItem, client: str, scope: str) -> None:
        if not await self._limiter.hit(item, scope, client):
            stats = await self._limiter.get_window_stats(item, scope, client)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"too many requests from {client}: at most {item} ({scope})",
                headers={"Retry-After": str(wait)},
            )


def _parsed(limit: str, setting: str) -> RateLimitItem:
    try:
        return parse(limit)
    except ValueError as exc:
        raise UserInputError(f"GROCERY_SERVICE__{setting}: {exc} (e.g. 120/minute)") from None
