"""Retries by failure class, with stamina: a few attempts, backoff with jitter, one deadline over all.

Network failures, timeouts and 5xx answers are retried. A 429 is retried after the wait its
Retry-After asks for (pacing holds the whole store back meanwhile), unless that wait is longer than
the policy allows. Blocks, our own 4xx mistakes, unreadable pages and an open breaker are never
retried: retrying them would only hammer a store that said no.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import stamina

from grocery_scanner.errors import CircuitOpen, FetchError, FetchTimeout, NetworkError, RateLimited, ServerError
from grocery_scanner.fetch.chain import Fetched, Layer

if TYPE_CHECKING:
    from grocery_scanner.reliability.policies import RetryPolicy
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

RETRIED = (NetworkError, FetchTimeout, ServerError)


def backoff_hook(policy: RetryPolicy) -> Callable[[Exception], bool | float]:
    """stamina's hook: False (do not retry), True (usual backoff) or the seconds to wait."""

    def decide(error: Exception) -> bool | float:
        if isinstance(error, RateLimited):
            wait = error.retry_after_s
            if wait is None:
                return True
            return wait if wait <= policy.max_retry_after_s else False
        return isinstance(error, RETRIED)

    return decide


class RetryLayer(Layer):
    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        policy = profile.retry
        cause: FetchError | None = None
        try:
            async for attempt in stamina.retry_context(
                on=backoff_hook(policy),
                attempts=policy.attempts,
                timeout=policy.deadline_s,
                wait_initial=policy.wait_initial_s,
                wait_max=policy.wait_max_s,
                wait_jitter=policy.wait_jitter_s,
            ):
                with attempt:
                    try:
                        return await self.inner.fetch(profile, request)
                    except FetchError as exc:
                        cause = exc if not isinstance(exc, CircuitOpen) else cause
                        raise
        except CircuitOpen:
            if cause is not None:  # the breaker ended the retries: the request failed with what the store said
                raise cause from None
            raise
        raise AssertionError("stamina ends with a result or the last error")  # pragma: no cover
