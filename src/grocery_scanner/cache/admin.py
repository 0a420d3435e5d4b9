"""What the `cache` commands and the service's admin endpoints do to the cache: its sizes, and clearing.

A long-lived process (the service) acts on its own chain's tiers, the memory tier included; a command
acts on the tiers kept between runs (the memory tier lives inside each process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from grocery_scanner.cache.layer import CacheLayer
from grocery_scanner.cache.tiers import Tier, build_tiers
from grocery_scanner.services import Services


@asynccontextmanager
async def _tiers(services: Services) -> AsyncIterator[list[Tier]]:
    layer = services.live_layer("cache")
    if isinstance(layer, CacheLayer):
        yield layer.tiers
        return
    settings = services.settings
    tiers = build_tiers(settings, [t for t in settings.cache_tiers if t != "memory"])
    try:
        yield tiers
    finally:
        for tier in tiers:
            await tier.aclose()


async def cache_sizes(services: Services) -> dict[str, dict[str, float]]:
    """Entries, fresh entries and bytes by tier."""
    async with _tiers(services) as tiers:
        return {tier.name: await tier.size() for tier in tiers}


async def clear_cache(services: Services, store_id: str | None = None) -> int:
    """Drops cached answers (of one store) from every tier; how many."""
    async with _tiers(services) as tiers:
        return sum([await tier.clear(store_id) for tier in tiers])
