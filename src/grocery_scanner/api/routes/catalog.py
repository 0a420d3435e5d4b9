"""/api/v1/stores and /api/v1/products: the stores with their health, a product search at every store
(through the fetch chain and its cache, its prices recorded), and one product's price history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from grocery_scanner.api.schemas import HistoryBody, Observation, OfferBody, SearchBody, StoreBody, errors
from grocery_scanner.api.security import rate_limited
from grocery_scanner.api.state import State
from grocery_scanner.reliability.health import stores_health
from grocery_scanner.storage import repository
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.workflow.searching import recorded_search

router = APIRouter(
    prefix="/api/v1", tags=["stores and products"], dependencies=[Depends(rate_limited)], responses=errors(400, 429)
)
StoreSet = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="Default: the configured set.")]


@router.get("/stores", response_model=list[StoreBody])
async def stores(
    state: State, store_set: StoreSet = None, window: Annotated[int, Query(ge=1, le=10080)] = 60
) -> list[StoreBody]:
    """The stores of a set, each with its health over the last `window` minutes of searches."""
    profiles = load_store_set(store_set or state.settings.store_set).stores
    async with state.db.session() as session:
        report = await stores_health(session, profiles, state.settings, window)
    return [
        StoreBody(id=p.id, name=p.name, **{k: v for k, v in asdict(h).items() if k != "store_id"})
        for p, h in zip(profiles, report, strict=True)
    ]


@router.get("/products/search", response_model=SearchBody, responses=errors(502))
async def search_products(
    state: State,
    q: Annotated[str, Query(min_length=2, max_length=100, description='What to search for, e.g. "2% milk".')],
    store_set: StoreSet = None,
    stores: Annotated[list[str] | None, Query(max_length=50, description="Store ids; default: all.")] = None,
) -> SearchBody:
    """Searches every store (or the given ones) for `q`: their products with today's prices."""
    query = " ".join(q.split())
    chosen = load_store_set(store_set or state.settings.store_set)
    names = {p.id: p.name for p in chosen.select(stores)}
    results = await recorded_search(state.services, state.db, "search", [query], store_set, stores)
    offers = [
        OfferBody(
            store_id=o.product.store_id,
            store_name=names.get(o.product.store_id, o.product.store_id),
            sku=o.product.sku,
            name=o.product.name,
            brand=o.product.brand,
            size=o.product.size_text,
            price=o.price,
            regular_price=o.regular_price,
            unit_price=o.unit_price,
            unit=o.unit,
            in_stock=o.in_stock,
            tier=o.tier,
        )
        for r in results
        for o in r.offers
    ]
    failures = {r.store_id: r.error.message for r in results if r.error is not None}
    return SearchBody(query=query, offers=offers, failures=failures)


@router.get("/products/{store_id}/{sku:path}/history", response_model=HistoryBody)
async def product_history(
    state: State,
    store_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")],
    sku: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> HistoryBody:
    """Every recorded price of one store's product, oldest first (quarantined prices left out)."""
    async with state.db.session() as session:
        rows = await repository.product_history(session, store_id, sku, limit)
    first = rows[0] if rows else None
    return HistoryBody(
        store_id=store_id,
        sku=sku,
        product=first.product if first else None,
        brand=first.brand if first else None,
        size=first.size if first else None,
        observations=[Observation.model_validate(r, from_attributes=True) for r in rows],
    )
