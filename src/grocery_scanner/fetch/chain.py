"""The fetch chain: a request spec in, a raw response out, through layers set by configuration.

Each layer is a `Fetcher` wrapping the next one, the innermost wrapping the HTTP transport, the way
httpx lets a transport be swapped and Scrapy orders its downloader middlewares. Layers see requests
and raw responses only: parsing happens after the chain, so a retry layer never re-parses and a
cache layer stores what the store said. The order is a setting (outermost first); later layers
(breaker, retry, cache) plug in by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from grocery_scanner.errors import UserInputError

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile


@dataclass(frozen=True)
class Fetched:
    """What a store answered, before any connector reads it."""

    store_id: str
    status: int
    headers: Mapping[str, str]
    text: str
    url: str
    fetched_at: datetime
    elapsed_s: float
    cache_tier: str | None = None  # the cache tier that served it; None: the store answered now


class Fetcher(Protocol):
    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched: ...

    async def aclose(self) -> None: ...


class Layer:
    """A fetcher around another; by default it passes everything through."""

    def __init__(self, inner: Fetcher) -> None:
        self.inner = inner

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        return await self.inner.fetch(profile, request)

    async def aclose(self) -> None:
        await self.inner.aclose()


LayerFactory = Callable[[Fetcher], Layer]

# A check an outer layer asks the inner ones to make again right before a request leaves: a request
# admitted by the breaker may wait behind the store's pacing, and the breaker may open meanwhile.
ADMISSION: ContextVar[Callable[[], None] | None] = ContextVar("admission", default=None)


def still_admitted() -> None:
    """Raises the outer layer's refusal when the request may no longer be sent."""
    if (check := ADMISSION.get()) is not None:
        check()


@dataclass
class FetchChain:
    """The outermost fetcher, and each layer by name (to read a layer's figures)."""

    outer: Fetcher
    layers: dict[str, Layer] = field(default_factory=dict)

    async def fetch(self, profile: StoreProfile, request: SearchRequest) -> Fetched:
        return await self.outer.fetch(profile, request)

    async def aclose(self) -> None:
        await self.outer.aclose()


def build_chain(order: Sequence[str], transport: Fetcher, factories: Mapping[str, LayerFactory]) -> FetchChain:
    """Layers named outermost first, around the transport; an unknown or repeated name is refused."""
    unknown = [name for name in order if name not in factories]
    if unknown:
        raise UserInputError(f"fetch_layers: unknown layer {', '.join(unknown)}; known: {', '.join(factories)}")
    if len(set(order)) != len(order):
        raise UserInputError("fetch_layers: a layer is named more than once")
    fetcher: Fetcher = transport
    layers: dict[str, Layer] = {}
    for name in reversed(order):
        layer = factories[name](fetcher)
        layers[name] = layer
        fetcher = layer
    return FetchChain(fetcher, layers)
