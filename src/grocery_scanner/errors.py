"""Exception types shared across the package.

Fetch failures have one class per failure class of the architecture, so the reliability
layer can decide retry, cool-down, breaker or dead-letter from the type alone.
"""

from __future__ import annotations


class GroceryError(Exception):
    """Base class: every error the CLI reports as a one-line message."""


class UserInputError(GroceryError):
    """Something the user gave us (a file, an option, a store id) is wrong."""


class FetchError(GroceryError):
    """A store request failed.

    `permanent`: asking again (a retry, a resumed run) cannot mend it; the search waits in the
    dead-letter queue for a person. `alert`: what it may mean, said in the plan and the log."""

    permanent = False
    alert: str | None = None

    def __init__(self, store_id: str, message: str) -> None:
        super().__init__(f"{store_id}: {message}")
        self.store_id = store_id
        self.message = message


class NetworkError(FetchError):
    """Connection refused, reset or dropped: retry with backoff."""


class FetchTimeout(FetchError):
    """No answer within the client timeout: retry with backoff."""


class RateLimited(FetchError):
    """HTTP 429: cool the store down, honouring Retry-After."""

    def __init__(self, store_id: str, message: str, retry_after_s: float | None) -> None:
        super().__init__(store_id, message)
        self.retry_after_s = retry_after_s


class ServerError(FetchError):
    """HTTP 5xx or 408: retry."""


class Blocked(FetchError):
    """HTTP 401/403/412 or a block page: do not retry, open the breaker."""

    permanent = True
    alert = "the store blocks our requests"


class ClientError(FetchError):
    """Any other 4xx: our request is wrong, do not retry."""

    permanent = True


class ParseError(FetchError):
    """The response did not have the shape the connector expects (layout change, truncation)."""

    permanent = True
    alert = "its pages are not what its connector reads: a possible layout change"


class CircuitOpen(FetchError):
    """The store's circuit breaker is open: the request was not sent. Not retried; the breaker's
    probes find out when the store is back."""


class SearchDeadline(FetchError):
    """The job's deadline for one search passed while it waited on a slow or rate-limited store: the
    search gives up (its store's last known prices may stand in); not held against the store."""
