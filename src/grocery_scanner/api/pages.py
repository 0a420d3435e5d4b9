"""The web pages: the plan page (recipes in, a live progress bar, the shopping plan out), the product
page (a search, then price histories as a chart), and the operations dashboard. Server-rendered
templates; their small scripts call the JSON API under /api/v1 and put its data in the page as text.
Plotly's browser bundle is served from the installed plotly package: nothing is loaded from elsewhere."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from grocery_scanner import __version__
from grocery_scanner.api.state import State
from grocery_scanner.optimize.problem import Strategy
from grocery_scanner.stores.profiles import load_store_set

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

# the pages' own scripts only; Plotly sets inline styles, so styles may be inline
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
DASHBOARD_POLL_S = 3
VENDOR_CACHE = "public, max-age=31536000, immutable"  # the URL carries plotly's version
STRATEGIES = {
    Strategy.BALANCED: "Balanced (each extra store counts)",
    Strategy.CHEAPEST: "Cheapest total",
    Strategy.FEWEST_STORES: "Fewest stores",
    Strategy.QUALITY: "Best matches (near the cheapest)",
}


def static_files() -> StaticFiles:
    """The pages' own CSS and JavaScript, for the app to mount at /static."""
    return StaticFiles(directory=STATIC_DIR)


def _page(request: Request, name: str, title: str, config: dict[str, Any], **context: Any) -> HTMLResponse:
    """A page from its template; `config` goes to its scripts as JSON (read by static/common.js)."""
    root = request.scope.get("root_path", "").rstrip("/")
    response = templates.TemplateResponse(
        request,
        name,
        {
            "title": title,
            "root": root,
            "version": __version__,
            "path": request.url.path,
            "config": {"root": root, **config},
            **context,
        },
    )
    response.headers.update(PAGE_HEADERS)
    return response


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def plan_page(request: Request, state: State) -> HTMLResponse:
    """The plan page: recipes and options in, the live progress, then the plan by store."""
    settings = state.settings
    stores = [{"id": s.id, "name": s.name, "standby": s.standby} for s in load_store_set(settings.store_set).stores]
    return _page(
        request,
        "plan.html",
        "Plan a shop",
        {"currency": settings.currency},
        stores=stores,
        strategies=[(s.value, label) for s, label in STRATEGIES.items()],
        default_strategy=Strategy.BALANCED.value,
        needs_key=settings.service.protect_writes,
        recipe_urls=settings.features.recipe_urls,
        currency=settings.currency,
        max_urls=settings.service.max_urls,
    )


@router.api_route("/products", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def products_page(request: Request, state: State, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """The product page: a search at every store, then the chosen products' price histories."""
    return _page(
        request,
        "products.html",
        "Products and prices",
        {"currency": state.settings.currency, "query": q, "plotly": _plotly_url(request)},
        query=q,
        plotly_url=_plotly_url(request),
    )


@router.api_route("/products/{store_id}/{sku:path}", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def product_page(
    request: Request,
    state: State,
    store_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_.-]{1,64}$")],
    sku: Annotated[str, PathParam(min_length=1, max_length=200)],
) -> HTMLResponse:
    """One product's price history as a chart (and a table)."""
    names = {s.id: s.name for s in load_store_set(state.settings.store_set).stores}
    store_name = names.get(store_id, store_id)
    return _page(
        request,
        "product.html",
        f"Price history of {sku}",
        {"currency": state.settings.currency, "store_id": store_id, "sku": sku, "store_name": store_name},
        store_id=store_id,
        store_name=store_name,
        sku=sku,
        plotly_url=_plotly_url(request),
    )


@router.api_route("/dashboard", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def dashboard_page(request: Request, state: State) -> HTMLResponse:
    """The operations dashboard; its script polls /api/v1/dashboard."""
    return _page(
        request,
        "dashboard.html",
        "Operations dashboard",
        {"currency": state.settings.currency, "poll_s": DASHBOARD_POLL_S},
        poll_s=DASHBOARD_POLL_S,
    )


def _plotly_url(request: Request) -> str:
    root = request.scope.get("root_path", "").rstrip("/")
    return f"{root}/static/vendor/plotly.min.js?v={_plotly().version}"


@dataclass(frozen=True)
class _Bundle:
    path: Path
    version: str


@cache
def _plotly() -> _Bundle:
    """Where the installed plotly package keeps its browser bundle, and plotly's version (for the URL)."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    return _Bundle(path, metadata.version("plotly"))


@cache
def _plotly_bytes() -> tuple[bytes, bytes, str]:
    """The bundle as it is, gzipped (once, it is ~4 MB), and its ETag."""
    raw = _plotly().path.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6), '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


@router.get("/static/vendor/plotly.min.js")
async def plotly_js(request: Request) -> Response:
    """Plotly's browser bundle from the installed plotly package, gzipped when the browser takes it."""
    raw, zipped, etag = await run_in_threadpool(_plotly_bytes)
    headers = {"Cache-Control": VENDOR_CACHE, "ETag": etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(zipped, media_type="text/javascript", headers=headers)
    return Response(raw, media_type="text/javascript", headers=headers)
