"""The innermost fetcher: one HTTP request through httpx, over a transport that can be injected."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx

from grocery_scanner.errors import FetchTimeout, NetworkError
from grocery_scanner.fetch.chain import Fetched, still_admitted
from grocery_scanner.models.offer import utcnow

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

USER_AGENT = "grocery-scanner/0.1 (+https://example.invalid/grocery-scanner)"


class HttpTransport:
    """Sends a request; a connection that fails or a store that does not answer in time is a FetchError.

    `timeout_s` applies to stores whose profile sets no timeout of its own.
    """

    def __init__(self, timeout_s: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.timeout_s = timeout_s
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            transport=transport,
        )

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        timeout = profile.limits.timeout_s or self.timeout_s
        still_admitted()
        started = time.perf_counter()
        fetched_at = utcnow()
        try:
            response = await self._http.request(
                request.method,
                request.url,
                params=request.params or None,
                json=request.json_body,
                headers=request.headers,
                timeout=httpx.Timeout(timeout, connect=profile.limits.connect_timeout_s or timeout),
            )
        except httpx.TimeoutException as exc:
            raise FetchTimeout(profile.id, f"no answer within {timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise NetworkError(profile.id, f"connection failed: {type(exc).__name__}") from exc
        return Fetched(
            store_id=profile.id,
            status=response.status_code,
            headers=response.headers,
            text=response.text,
            url=str(response.url),
            fetched_at=fetched_at,
            elapsed_s=time.perf_counter() - started,
        )

    async def aclose(self) -> None:
        await self._http.aclose()
