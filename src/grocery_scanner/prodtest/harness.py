"""A scenario's own world: a fresh data folder and database, the demo stores on an embedded simulator
this scenario alone talks to (so its faults and its log of arrivals are the scenario's), and long-lived
services over them, as the web service holds them: one fetch chain, one breaker and pacer per store."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.monitoring.health_score import assess_health
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.server import Simulator
from grocery_scanner.storage.database import Database
from grocery_scanner.stores.profiles import StoreProfile, load_store_set
from grocery_scanner.workflow.plan_run import PlanRequest

DEMO = "demo"
HEALTH_WINDOW_MIN = 60.0  # the health score judges the searches of this window: the whole scenario


def isolated(base: Settings, data_dir: Path, store_set: str) -> Settings:
    """The base settings on a scenario's own data: its folder and database, its demo stores. Cache tiers
    shared between processes (Redis, a Qdrant server) are left out: one scenario's answers must not be
    another's hits."""
    return base.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": None,
            "store_set": store_set,
            "redis_url": None,
            "qdrant_url": None,
            "cache_tiers": [tier for tier in base.cache_tiers if tier != "redis"],
        }
    )


@dataclass
class Harness:
    settings: Settings
    simulator: Simulator
    services: Services
    db: Database

    @property
    def profiles(self) -> list[StoreProfile]:
        """The stores a plan searches (not the standby ones), as the simulator serves them."""
        return load_store_set(self.settings.store_set).select(None)

    def request(self, text: str, store_ids: list[str] | None = None) -> PlanRequest:
        """A plan of one shopping list (at these stores; by default all)."""
        settings = self.settings
        return PlanRequest(
            inputs=[], texts=[text], store_set=settings.store_set, store_ids=store_ids, timeout_s=settings.run_timeout_s
        )

    def set_faults(self, store_id: str, **faults: Any) -> None:
        """Changes some of a store's faults, keeping the rest (its usual latency) as they were."""
        store = self.simulator.stores[store_id]
        self.simulator.set_faults(store_id, store.faults.model_copy(update=faults))

    def arrivals(self, store_id: str, since: float = 0.0) -> list[float]:
        """When the store received requests (monotonic seconds), from `since` on."""
        return [at for at in self.simulator.stores[store_id].arrivals if at >= since]

    async def health(self) -> float:
        return await health(self.settings, self.db)


async def health(settings: Settings, db: Database) -> float:
    """The health score (0-100) of a scenario's system, as `grocery-scanner health check` gives it."""
    return (await assess_health(settings, db, HEALTH_WINDOW_MIN)).score


@asynccontextmanager
async def harness(base: Settings, parser: LineParser) -> AsyncIterator[Harness]:
    demo = load_store_set(DEMO)
    with tempfile.TemporaryDirectory(prefix="grocery-prodtest-") as folder:
        async with Simulator(demo.stores, seed=base.simulator_seed) as simulator:
            store_set = simulator.store_set_file(Path(folder) / "stores.yaml", DEMO)
            settings = isolated(base, Path(folder) / "data", str(store_set))
            async with Services(settings, line_parser=parser) as services, services.database() as db:
                yield Harness(settings, simulator, services, db)
