"""One place that turns settings into the parts a job uses: database, store sets with their fetch
chain, matcher and parser. The CLI commands, the benchmarks (and later the service and workers)
all build their parts here, so they cannot drift apart.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from grocery_scanner.settings import Settings, load_settings

if TYPE_CHECKING:
    import httpx

    from grocery_scanner.cache.layer import CacheLayer
    from grocery_scanner.cache.semantic import SemanticQueries
    from grocery_scanner.fetch.chain import FetchChain, Fetcher, Layer, LayerFactory
    from grocery_scanner.ingest.lines import LineParser
    from grocery_scanner.matching.matcher import Matcher
    from grocery_scanner.monitoring.metrics import Metrics
    from grocery_scanner.storage.database import Database
    from grocery_scanner.stores.client import StoreClient
    from grocery_scanner.stores.profiles import StoreProfile


@dataclass
class StoreSession:
    """The selected stores, reachable: a client over the fetch chain."""

    profiles: list[StoreProfile]
    client: StoreClient
    # a selected store's stand-in when it cannot answer (its flyer), by the store's id
    alternatives: dict[str, StoreProfile] = field(default_factory=dict)


@dataclass
class Services:
    """Used as `async with Services(...) as services:`, it is long-lived: every job it runs shares one
    fetch chain (so one pacer and one breaker per store however many plans run at once) and one
    embedded simulator per store set. Used without, each `stores()` session builds its own."""

    settings: Settings = field(default_factory=load_settings)
    transport: httpx.AsyncBaseTransport | None = None  # tests and the simulator may inject one
    line_parser: LineParser | None = None  # built on first use: loading the tagger takes a while
    _shared: AsyncExitStack | None = field(default=None, init=False, repr=False)
    _chain: FetchChain | None = field(default=None, init=False, repr=False)
    _running: dict[str, list[StoreProfile]] = field(default_factory=dict, init=False, repr=False)
    _semantic: SemanticQueries | None = field(default=None, init=False, repr=False)
    _metrics: Metrics | None = field(default=None, init=False, repr=False)

    @property
    def metrics(self) -> Metrics:
        """This process's Prometheus metrics: every chain and run of these services observes into them."""
        if self._metrics is None:
            from grocery_scanner.monitoring.metrics import Metrics

            self._metrics = Metrics()
        return self._metrics

    async def __aenter__(self) -> Services:
        self._shared = AsyncExitStack()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._semantic is not None:
            await self._semantic.aclose()
            self._semantic = None
        shared, self._shared = self._shared, None
        if self._chain is not None:
            await self._chain.aclose()
            self._chain = None
        if shared is not None:
            await shared.aclose()
        self._running.clear()

    def reload(self, settings: Settings) -> list[str]:
        """New settings, and store profiles read again, for long-lived services without a restart: the
        thresholds, targets and limits apply from the next request or run. The fetch chain's layers and
        the cache tiers stay as they were built (a restart changes them). Returns the store sets reloaded."""
        from grocery_scanner.errors import UserInputError
        from grocery_scanner.stores.profiles import SIMULATOR_URL, load_store_set

        fresh_sets = {name: load_store_set(name).stores for name in self._running}  # all read before any change
        for name, fresh in fresh_sets.items():
            urls = {p.id: p.base_url for p in self._running[name]}
            if new := [p.id for p in fresh if p.base_url == SIMULATOR_URL and p.id not in urls]:
                raise UserInputError(f"store set {name}: new demo stores ({', '.join(new)}) need a restart")
        self.settings = settings
        for name, fresh in fresh_sets.items():
            urls = {p.id: p.base_url for p in self._running[name]}
            self._running[name] = [
                p.with_default_timeout(settings.http_timeout_s).model_copy(
                    update={"base_url": urls[p.id]} if p.base_url == SIMULATOR_URL else {}
                )
                for p in fresh
            ]
        return sorted(fresh_sets)

    def fetch_chain(self) -> FetchChain:
        """A new chain; while the services are long-lived, the one they share."""
        if self._shared is not None and self._chain is not None:
            return self._chain
        from grocery_scanner.fetch.chain import build_chain
        from grocery_scanner.fetch.layers import FACTORIES
        from grocery_scanner.fetch.metrics import MetricsLayer
        from grocery_scanner.fetch.transport import HttpTransport
        from grocery_scanner.reliability.pool import PoolLayer

        transport = HttpTransport(self.settings.http_timeout_s, self.transport)
        factories: dict[str, LayerFactory] = {
            **FACTORIES,
            "pool": partial(PoolLayer, policy=self.settings.request_pool),
            "cache": self._cache_layer,
            "metrics": partial(MetricsLayer, metrics=self.metrics),
            **self._shared_state_layers(),
        }
        chain = build_chain(self.settings.fetch_layers, transport, factories)
        self._watch_breakers(chain)
        if self._shared is not None:
            self._chain = chain
        return chain

    def _shared_state_layers(self) -> dict[str, LayerFactory]:
        """With `shared_state_url`, the breaker and pacing layers keep their state in that Redis, shared
        with the other processes; without, nothing here (each process its own)."""
        if self.settings.shared_state_url is None:
            return {}
        from grocery_scanner.reliability.breaker import BreakerLayer
        from grocery_scanner.reliability.pacing import PacingLayer
        from grocery_scanner.reliability.shared_breaker import SharedBreakers
        from grocery_scanner.reliability.shared_quota import SharedQuota
        from grocery_scanner.reliability.shared_state import SharedState, check_reachable

        url = self.settings.shared_state_url.get_secret_value()
        check_reachable(url)
        return {
            "breaker": lambda inner: BreakerLayer(inner, SharedBreakers(SharedState(url, "breakers"))),
            "pacing": lambda inner: PacingLayer(inner, SharedQuota(SharedState(url, "quotas"))),
        }

    def live_layer(self, name: str) -> Layer | None:
        """A layer of the chain these long-lived services share, once it is built (None otherwise)."""
        return self._chain.layers.get(name) if self._shared is not None and self._chain is not None else None

    def _cache_layer(self, inner: Fetcher) -> CacheLayer:
        from grocery_scanner.cache.layer import CacheLayer
        from grocery_scanner.cache.tiers import build_tiers

        return CacheLayer(inner, build_tiers(self.settings), self.metrics)

    def _watch_breakers(self, chain: FetchChain) -> None:
        """The chain's breakers and pacers in the metrics, for as long as the chain lives."""
        from grocery_scanner.models import utcnow
        from grocery_scanner.monitoring.metrics import BREAKER_STATES
        from grocery_scanner.reliability.breaker import BreakerLayer
        from grocery_scanner.reliability.pacing import PacingLayer

        breakers, pacing = chain.layers.get("breaker"), chain.layers.get("pacing")
        alive_breakers = weakref.ref(breakers) if isinstance(breakers, BreakerLayer) else None
        alive_pacing = weakref.ref(pacing) if isinstance(pacing, PacingLayer) else None

        def live() -> list[tuple[str, str, float]] | None:
            gone = [ref for ref in (alive_breakers, alive_pacing) if ref is not None and ref() is None]
            if gone:
                return None
            now, figures = utcnow(), []
            if alive_breakers is not None and (layer := alive_breakers()) is not None:
                figures += [("breaker", s.store_id, BREAKER_STATES[s.state_at(now)]) for s in layer.snapshots(now)]
            if alive_pacing is not None and (pacers := alive_pacing()) is not None:
                figures += [("pacing", store, pacer.interval) for store, pacer in pacers.pacers.items()]
            return figures

        self.metrics.watch(live)

    @asynccontextmanager
    async def stores(
        self, store_set: str | None = None, store_ids: list[str] | None = None
    ) -> AsyncIterator[StoreSession]:
        """The selected stores of a set (the settings' set by default), with the demo stores running
        when the set uses them."""
        from grocery_scanner.stores.client import StoreClient
        from grocery_scanner.stores.profiles import load_store_set

        name = store_set or self.settings.store_set
        chosen = load_store_set(name)
        wanted = [p.id for p in chosen.select(store_ids)]  # unknown ids are refused, naming the set
        # a store without a timeout of its own gets the setting's, so every layer sees the same one
        profiles = [p.with_default_timeout(self.settings.http_timeout_s) for p in chosen.stores]
        if self._shared is None:
            async with _reachable(profiles, self.settings) as reachable, self.store_client() as client:
                selected, alternatives = _selected(reachable, wanted)
                yield StoreSession(selected, client, alternatives)
            return
        if name not in self._running:
            self._running[name] = await self._shared.enter_async_context(_reachable(profiles, self.settings))
        client = StoreClient(self.fetch_chain(), self.settings.max_pages, owns_fetcher=False, semantic=self.semantic())
        selected, alternatives = _selected(self._running[name], wanted)
        yield StoreSession(selected, client, alternatives)

    @asynccontextmanager
    async def database(self) -> AsyncIterator[Database]:
        from grocery_scanner.storage.database import open_database

        async with open_database(self.settings) as db:
            yield db

    def matcher(self, rules_file: Path | None = None) -> Matcher:
        from grocery_scanner.matching.matcher import Matcher
        from grocery_scanner.matching.rules import MatchRules

        return Matcher(MatchRules.load(rules_file))

    def store_client(self) -> StoreClient:
        from grocery_scanner.stores.client import StoreClient

        return StoreClient(self.fetch_chain(), self.settings.max_pages, semantic=self.semantic())

    def semantic(self) -> SemanticQueries | None:
        """The cache's semantic tier, one per services, where the settings turn it on."""
        if not self.settings.semantic_cache or "cache" not in self.settings.fetch_layers:
            return None
        if self._semantic is None:
            from grocery_scanner.cache.semantic import SemanticQueries

            location = self.settings.qdrant_url or str(self.settings.data_dir / "qdrant")
            self._semantic = SemanticQueries(location, self.matcher())
        return self._semantic

    @property
    def parser(self) -> LineParser:
        if self.line_parser is None:
            from grocery_scanner.ingest.lines import LineParser

            self.line_parser = LineParser()
        return self.line_parser


def _selected(profiles: list[StoreProfile], ids: list[str]) -> tuple[list[StoreProfile], dict[str, StoreProfile]]:
    """The chosen stores, and the alternatives they name."""
    by_id = {p.id: p for p in profiles}
    chosen = [by_id[i] for i in ids]
    return chosen, {p.id: by_id[p.alternative] for p in chosen if p.alternative}


@asynccontextmanager
async def _reachable(profiles: list[StoreProfile], settings: Settings) -> AsyncIterator[list[StoreProfile]]:
    """The profiles, with simulator placeholders pointing at an embedded simulator started for them."""
    from grocery_scanner.stores.profiles import SIMULATOR_URL

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
