"""The demo stores over loopback HTTP (aiohttp: it can drop a connection mid-request, which
fault injection needs and ASGI servers do not expose)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from pydantic import ValidationError

from grocery_scanner.errors import UserInputError
from grocery_scanner.settings import config_dir
from grocery_scanner.simulator import formats
from grocery_scanner.simulator.assortment import load_assortment
from grocery_scanner.simulator.catalog import CatalogProduct, build_catalog, seeded_rng
from grocery_scanner.simulator.faults import Fault, Faults
from grocery_scanner.simulator.search import CatalogSearch
from grocery_scanner.stores.profiles import SIMULATOR_URL, StoreProfile

# connector -> (HTTP method, path below the store prefix)
ROUTES = {
    "pcexpress": ("POST", "product-facade/v4/products/search"),
    "pcexpress-nextdata": ("GET", "search"),
    "metro-html": ("GET", "en/online-grocery/search-page-"),
    "voila": ("GET", "api/v5/products/search"),
    "flipp": ("GET", "flipp/items/search"),
}


def busiest_second(arrivals: list[float]) -> int:
    """The most request starts (monotonic seconds, as `DemoStore.arrivals` logs them) in any one second."""
    ordered, most, first = sorted(arrivals), 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


@dataclass
class DemoStore:
    profile: StoreProfile
    seed: int
    faults: Faults
    rng: random.Random = field(init=False)
    # when each request arrived (monotonic seconds): what a pacing check counts, as the store sees it
    arrivals: list[float] = field(default_factory=list)
    # each search request served, as (query, page): what a resumed run may not ask again
    searched: list[tuple[str, int]] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.arrivals)

    def __post_init__(self) -> None:
        assortment = (self.profile.simulator or {}).get("assortment")
        if assortment and not Path(assortment).expanduser().is_file():
            raise UserInputError(f"{self.profile.id}: simulator assortment {assortment} is not a file")
        self.rng = seeded_rng(self.seed, self.profile.id, "faults")

    @cached_property
    def catalog(self) -> tuple[CatalogProduct, ...]:
        """Built on the first request: a run whose answers all come from the cache never pays for it."""
        settings = self.profile.simulator or {}
        if assortment := settings.get("assortment"):  # a real store's exported assortment (CSV)
            return load_assortment(Path(assortment).expanduser())
        # a store's other source (its flyer) sells what the store sells: `catalog_of` names the store
        store = settings.get("catalog_of", self.profile.id)
        return build_catalog(store, settings.get("house_brand", self.profile.name), self.seed)

    @cached_property
    def search(self) -> CatalogSearch:
        return CatalogSearch(self.catalog)

    def with_anomalies(self, products: list[CatalogProduct]) -> list[CatalogProduct]:
        """Prices off by a factor of ten on a fixed share of products (a misplaced decimal point)."""
        if not self.faults.anomaly_rate:
            return products
        out = []
        for p in products:
            if seeded_rng(self.seed, self.profile.id, p.key, "anomaly").random() < self.faults.anomaly_rate:
                p = dataclasses.replace(p, price=p.price * 10, regular_price=p.regular_price * 10)
            out.append(p)
        return out


def _query(connector: str, request: web.Request, body: dict[str, Any], page_size: int) -> tuple[str, int, int]:
    """(query, 0-based page, page size) from a request in the store's own format."""
    q = request.query
    if connector == "pcexpress":
        paging = body.get("pagination") or {}
        return str(body.get("term", "")), int(paging.get("from", 0)), int(paging.get("size", page_size))
    if connector == "pcexpress-nextdata":
        return q.get("search-bar", ""), int(q.get("page", "1")) - 1, page_size
    if connector == "metro-html":
        number = request.match_info["tail"].rsplit("-", 1)[-1]
        return q.get("filter", ""), int(number or "1") - 1, page_size
    if connector == "flipp":  # one answer, no paging
        return q.get("q", ""), 0, page_size
    limit = int(q.get("limit", str(page_size)))
    return q.get("term", ""), int(q.get("offset", "0")) // max(limit, 1), limit


class Simulator:
    """All demo stores of a store set on one loopback port, each under /<store id>/."""

    def __init__(self, profiles: list[StoreProfile], seed: int = 42) -> None:
        self.stores = {
            p.id: DemoStore(p, seed, Faults.model_validate((p.simulator or {}).get("faults", {})))
            for p in profiles
            if p.base_url == SIMULATOR_URL
        }
        unknown = [p.connector for p in profiles if p.base_url == SIMULATOR_URL and p.connector not in ROUTES]
        if unknown:
            raise UserInputError(f"the simulator cannot speak {', '.join(unknown)}; it speaks {', '.join(ROUTES)}")
        self._runner: web.AppRunner | None = None
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/__admin/stores", self._admin_stores)
        app.router.add_get("/__admin/{store}/faults", self._admin_get_faults)
        app.router.add_get("/__admin/{store}/arrivals", self._admin_arrivals)
        app.router.add_get("/__admin/{store}/searched", self._admin_searched)
        app.router.add_put("/__admin/{store}/faults", self._admin_put_faults)
        app.router.add_patch("/__admin/{store}/faults", self._admin_put_faults)
        app.router.add_get("/{store}/robots.txt", self._robots_txt)
        app.router.add_route("*", "/{store}/{tail:.*}", self._handle)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        # a client that hangs up mid-request (a stopped run, a timeout) is normal here, not an error to print
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[attr-defined]
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def store_set_file(self, path: Path, store_set: str = "demo") -> Path:
        """A copy of a bundled store set whose demo stores are this server: other processes (plans, workers)
        then all ask this one simulator, which sees every request they send."""
        data = yaml.safe_load((config_dir() / "stores" / f"{store_set}.yaml").read_text(encoding="utf-8"))
        for store in data["stores"]:
            if store.get("base_url") == SIMULATOR_URL:
                store["base_url"] = f"{self.url}/{store['id']}"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    def resolve(self, profiles: list[StoreProfile]) -> list[StoreProfile]:
        """Profiles with the simulator placeholder replaced by this server's address."""
        return [
            p.model_copy(update={"base_url": f"{self.url}/{p.id}"}) if p.base_url == SIMULATOR_URL else p
            for p in profiles
        ]

    def set_faults(self, store_id: str, faults: Faults) -> None:
        self.stores[store_id].faults = faults

    async def _admin_stores(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "id": s.profile.id,
                    "name": s.profile.name,
                    "format": s.profile.connector,
                    "products": len(s.catalog),
                    "requests": s.requests,
                }
                for s in self.stores.values()
            ]
        )

    def _store(self, request: web.Request) -> DemoStore:
        store = self.stores.get(request.match_info["store"])
        if store is None:
            raise web.HTTPNotFound(text=f"no demo store '{request.match_info['store']}'")
        return store

    async def _admin_arrivals(self, request: web.Request) -> web.Response:
        return web.json_response(self._store(request).arrivals)

    async def _admin_searched(self, request: web.Request) -> web.Response:
        return web.json_response(self._store(request).searched)

    async def _admin_get_faults(self, request: web.Request) -> web.Response:
        return web.json_response(self._store(request).faults.model_dump(mode="json"))

    async def _admin_put_faults(self, request: web.Request) -> web.Response:
        store = self._store(request)
        try:
            update = await request.json()
            base = store.faults.model_dump() if request.method == "PATCH" else {}
            store.faults = Faults.model_validate({**base, **update})
        except ValueError as exc:  # JSON decode errors and ValidationError are ValueErrors
            text = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise web.HTTPBadRequest(text=f"invalid faults: {text}") from exc
        return web.json_response(store.faults.model_dump(mode="json"))

    async def _robots_txt(self, request: web.Request) -> web.Response:
        """The store's robots.txt, where its simulator settings give one (`robots_txt:`)."""
        store = self._store(request)
        store.arrivals.append(time.monotonic())
        text = (store.profile.simulator or {}).get("robots_txt")
        if not isinstance(text, str):
            raise web.HTTPNotFound(text="no robots.txt")
        return web.Response(text=text)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        store = self._store(request)
        connector = store.profile.connector
        method, path = ROUTES[connector]
        tail = request.match_info["tail"]
        if request.method != method or not (tail == path or (path.endswith("-") and tail.startswith(path))):
            raise web.HTTPNotFound(text=f"{store.profile.name} has no {request.method} /{tail}")
        store.arrivals.append(time.monotonic())
        faults = store.faults
        fault, status = faults.draw(store.rng)
        await asyncio.sleep(faults.latency_s(store.rng))
        if fault is Fault.RESET:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if fault is Fault.HANG:
            await asyncio.sleep(faults.hang_s)
        if fault is Fault.RATE_LIMIT:
            return web.Response(
                status=429, text="Too Many Requests", headers={"Retry-After": f"{faults.retry_after_s:g}"}
            )
        if fault is Fault.ERROR and status is not None:
            return web.Response(status=status, text=f"simulated HTTP {status}")
        body_json = await request.json() if method == "POST" and request.can_read_body else {}
        try:
            query, number, size = _query(connector, request, body_json, store.profile.page_size)
        except ValueError as exc:
            raise web.HTTPBadRequest(text=f"bad paging parameter: {exc}") from exc
        store.searched.append((query, number))
        hits = store.search.search(query)
        chosen = store.with_anomalies(hits[number * size : (number + 1) * size])
        page = formats.Page(chosen, number, size, len(hits), query, faults.layout_changed)
        body = formats.RENDERERS[connector](page)
        if fault is Fault.TRUNCATE:
            body = body[: len(body) // 2]
        elif fault is Fault.MALFORMED:
            body = "<html><body>Something went wrong</body>" if body.startswith("{") else '{"error": "unavailable"'
        modified = datetime.now(UTC) - timedelta(days=faults.stale_days)
        return web.Response(
            text=body,
            content_type=formats.CONTENT_TYPES[connector],
            headers={"Last-Modified": format_datetime(modified, usegmt=True)},
        )
