"""Open a store set for use: start the embedded simulator when the set needs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from grocery_scanner.settings import Settings
from grocery_scanner.stores.profiles import SIMULATOR_URL, StoreProfile, load_store_set


@asynccontextmanager
async def open_stores(
    settings: Settings, store_set: str, store_ids: list[str] | None
) -> AsyncIterator[list[StoreProfile]]:
    """The selected profiles, with simulator placeholders pointing at a running simulator."""
    profiles = load_store_set(store_set).select(store_ids)
    if not any(p.base_url == SIMULATOR_URL for p in profiles):
        yield profiles
        return
    from grocery_scanner.simulator.server import Simulator  # only the demo set pays for the catalogs

    simulator = Simulator(profiles, seed=settings.simulator_seed)
    await simulator.start(port=settings.simulator_port)
    try:
        yield simulator.resolve(profiles)
    finally:
        await simulator.stop()
