"""The status layer: what a store's answer means, as a failure class (or a page to read)."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from grocery_scanner.errors import Blocked, ClientError, FetchError, ParseError, RateLimited, ServerError
from grocery_scanner.fetch.chain import Fetched, Layer

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

MAX_BODY_CHARS = 20 * 1024 * 1024
BLOCK_MARKERS = ("captcha", "access denied", "are you a robot", "request unsuccessful")


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def classify(fetched: Fetched) -> FetchError | None:
    """The failure class of an answer, or None when it is a page to read."""
    store_id, status = fetched.store_id, fetched.status
    if status == 429:
        return RateLimited(store_id, "HTTP 429 Too Many Requests", retry_after_s(fetched.headers.get("Retry-After")))
    if status in (401, 403, 412):
        return Blocked(store_id, f"HTTP {status}: blocked by the store")
    if status == 408 or status >= 500:
        return ServerError(store_id, f"HTTP {status}")
    if status >= 400:
        return ClientError(store_id, f"HTTP {status}")
    if len(fetched.text) > MAX_BODY_CHARS:
        return ParseError(store_id, f"response larger than {MAX_BODY_CHARS} characters")
    if fetched.headers.get("content-type", "").startswith("text/html") and any(
        marker in fetched.text[:5000].lower() for marker in BLOCK_MARKERS
    ):
        return Blocked(store_id, "the store answered with a block page")
    return None


class StatusLayer(Layer):
    """Raises the FetchError subclass that names what the store's answer means."""

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        fetched = await self.inner.fetch(profile, request)
        if error := classify(fetched):
            raise error
        return fetched
