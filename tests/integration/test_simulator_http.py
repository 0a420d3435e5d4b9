"""The simulator over real loopback HTTP, searched through the real connectors and client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from grocery_scanner.errors import (
    Blocked,
    ClientError,
    FetchTimeout,
    NetworkError,
    ParseError,
    RateLimited,
    ServerError,
)
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.catalog import build_catalog
from grocery_scanner.simulator.faults import Faults
from grocery_scanner.simulator.server import Simulator
from grocery_scanner.stores.client import StoreClient
from grocery_scanner.stores.profiles import StoreProfile
from grocery_scanner.workflow.stages import search_offers


def store_client(max_pages: int = 2, retries: bool = True) -> StoreClient:
    """A client over the configured fetch chain, without the cache: every fetch asks the store.
    Without retries, each failure class shows at once."""
    settings = Settings(max_pages=max_pages)
    left_out = {"cache"} if retries else {"cache", "retry"}
    settings.fetch_layers = [name for name in settings.fetch_layers if name not in left_out]
    return Services(settings).store_client()


STORES = ["maple-market", "northern-basket", "harbour-foods", "prairie-pantry"]


def test_catalogs_are_large_deterministic_and_differ_between_stores() -> None:
    a = build_catalog("maple-market", "Maple Choice", 42)
    assert len(a) >= 1500
    assert [(p.key, p.price) for p in a] == [
        (p.key, p.price) for p in build_catalog("maple-market", "Maple Choice", 42)
    ]
    b = {p.key: p.price for p in build_catalog("northern-basket", "Maple Choice", 42)}
    shared = [p for p in a if p.key in b]
    cheaper_here = sum(p.price < b[p.key] for p in shared)
    cheaper_there = sum(p.price > b[p.key] for p in shared)
    assert cheaper_here > 50 and cheaper_there > 50  # each store is cheapest on some things
    assert {p.department for p in a} >= {"Dairy & Eggs", "Produce", "Meat & Seafood", "Pantry", "Frozen", "Bakery"}
    assert any(p.weighted for p in a) and any(not p.in_stock for p in a)
    assert any(p.multi_buy for p in a) and any(p.price < p.regular_price for p in a)


@pytest.mark.parametrize("store_id", STORES)
async def test_search_each_store_through_its_connector(live_profiles: dict[str, StoreProfile], store_id: str) -> None:
    async with store_client(1) as client:
        result = await client.search(live_profiles[store_id], "unsalted butter")
    assert result.error is None and result.offers
    top = result.offers[0]
    assert "unsalted butter" in top.product.name.lower()
    assert top.price is not None and top.unit == "kg" and top.unit_price is not None
    assert all(o.product.store_id == store_id for o in result.offers)


@pytest.mark.parametrize("store_id", STORES)
async def test_paging_walks_every_page_without_repeats(live_profiles: dict[str, StoreProfile], store_id: str) -> None:
    profile = live_profiles[store_id]
    async with store_client(20) as client:
        result = await client.search(profile, "milk")
        first = await client.fetch_page(profile, "milk", 0)
    assert result.error is None
    assert result.requests >= 2
    skus = [o.product.sku for o in result.offers]
    assert len(skus) == len(set(skus))
    assert first.has_next and len(first.offers) == profile.page_size
    if first.total_results is not None:
        assert len(skus) == first.total_results


async def test_weighted_multibuy_member_and_out_of_stock_reach_offers(live_profiles) -> None:
    async with store_client(5) as client:
        found = await search_offers(client, list(live_profiles.values()), ["chicken", "milk", "cheese", "milk"])
    stores = len(live_profiles)
    assert {q: len(r) for q, r in found.items()} == {"chicken": stores, "milk": stores, "cheese": stores}  # once
    offers = [o for results in found.values() for r in results for o in r.offers]
    assert any(o.sold_by.value == "weight" for o in offers)
    assert any(o.multi_buy is not None for o in offers)
    assert any(o.member_price is not None for o in offers)
    assert any(not o.in_stock for o in offers)
    assert any(o.sale for o in offers)


FAULTS = [
    ({"error_rates": {503: 1.0}}, ServerError),
    ({"error_rates": {500: 1.0}}, ServerError),
    ({"error_rates": {408: 1.0}}, ServerError),
    ({"error_rates": {403: 1.0}}, Blocked),
    ({"error_rates": {401: 1.0}}, Blocked),
    ({"error_rates": {404: 1.0}}, ClientError),
    ({"rate_limit_rate": 1.0, "retry_after_s": 7}, RateLimited),
    ({"reset_rate": 1.0}, NetworkError),
    ({"hang_rate": 1.0, "hang_s": 5}, FetchTimeout),
    ({"truncate_rate": 1.0}, ParseError),
    ({"malformed_rate": 1.0}, ParseError),
    ({"layout_changed": True}, ParseError),
]


@pytest.mark.parametrize("store_id", STORES)
@pytest.mark.parametrize(("faults", "error"), FAULTS, ids=[e.__name__ + str(i) for i, (_, e) in enumerate(FAULTS)])
async def test_each_injected_fault_reaches_the_client_as_its_error_class(
    simulator: Simulator, live_profiles, store_id: str, faults: dict, error: type
) -> None:
    profile = live_profiles[store_id]
    profile = profile.model_copy(update={"limits": profile.limits.model_copy(update={"timeout_s": 0.5})})
    simulator.set_faults(store_id, Faults(latency_ms_median=0, latency_ms_p95=0, **faults))
    async with store_client(retries=False) as client:
        with pytest.raises(error) as info:
            await client.fetch_page(profile, "milk", 0)
    assert info.value.store_id == store_id
    if error is RateLimited:
        assert info.value.retry_after_s == 7


async def test_a_stores_flyer_answers_in_flipps_format_with_its_deals(live_profiles) -> None:
    async with store_client(1) as client:
        flyer = await client.search(live_profiles["harbour-foods-flyer"], "milk")
    assert flyer.error is None and len(flyer.offers) >= 10
    assert all(o.source_format == "flipp-item-search-json" for o in flyer.offers)
    assert any(o.multi_buy is not None for o in flyer.offers) and any(o.sale for o in flyer.offers)


async def test_admin_endpoint_changes_faults_at_run_time(simulator: Simulator, live_profiles) -> None:
    profile = live_profiles["harbour-foods"]
    async with httpx.AsyncClient(base_url=simulator.url) as admin, store_client(retries=False) as client:
        stores = (await admin.get("/__admin/stores")).json()
        assert {s["id"] for s in stores} == {*STORES, "harbour-foods-flyer"}
        assert all(s["products"] >= 1500 for s in stores)
        response = await admin.patch("/__admin/harbour-foods/faults", json={"error_rates": {"502": 1.0}})
        assert response.status_code == 200 and response.json()["error_rates"] == {"502": 1.0}
        with pytest.raises(ServerError):
            await client.fetch_page(profile, "milk", 0)
        await admin.put("/__admin/harbour-foods/faults", json={})
        assert (await client.fetch_page(profile, "milk", 0)).offers
        bad = await admin.put("/__admin/harbour-foods/faults", json={"reset_rate": 3})
        assert bad.status_code == 400 and "invalid faults" in bad.text and "less than or equal to 1" in bad.text


async def test_price_anomalies_and_stale_data(simulator: Simulator, live_profiles) -> None:
    profile = live_profiles["maple-market"]
    async with store_client(1) as client:
        normal = {o.product.sku: o.price for o in (await client.fetch_page(profile, "flour", 0)).offers}
        simulator.set_faults(
            "maple-market", Faults(anomaly_rate=0.5, stale_days=9, latency_ms_median=0, latency_ms_p95=0)
        )
        odd = (await client.fetch_page(profile, "flour", 0)).offers
    ratios = {o.price / normal[o.product.sku] for o in odd if o.price and normal.get(o.product.sku)}
    assert ratios == {1, 10}
    # the store says its data is old; the offer keeps both times: when we fetched it and what the store says
    assert all(datetime.now(UTC) - o.source_modified_at > timedelta(days=8) for o in odd)
    assert all(datetime.now(UTC) - o.fetched_at < timedelta(minutes=1) and o.observed_at == o.fetched_at for o in odd)


async def test_requests_are_paced_to_the_store_rate(simulator: Simulator, live_profiles) -> None:
    profile = live_profiles["prairie-pantry"]
    profile = profile.model_copy(update={"limits": profile.limits.model_copy(update={"rate_per_s": 20.0})})
    simulator.set_faults("prairie-pantry", Faults(latency_ms_median=0, latency_ms_p95=0))
    queries = ["rice", "oil", "salt", "eggs", "milk", "flour", "sugar", "butter", "honey", "tea"]
    async with store_client() as client:
        started = asyncio.get_running_loop().time()
        await asyncio.gather(*(client.fetch_page(profile, q, 0) for q in queries))
        elapsed = asyncio.get_running_loop().time() - started
    # ten starts spaced 50 ms apart: the last starts 450 ms after the first
    assert elapsed >= 0.45
    assert client.requests_per_store()["prairie-pantry"] == 10


async def test_simulated_latency_follows_the_profile(simulator: Simulator, live_profiles) -> None:
    profile = live_profiles["maple-market"]
    simulator.set_faults("maple-market", Faults(latency_ms_median=120, latency_ms_p95=130))
    async with store_client() as client:
        started = asyncio.get_running_loop().time()
        await client.fetch_page(profile, "rice", 0)
        elapsed = asyncio.get_running_loop().time() - started
    assert 0.09 < elapsed < 1.0
