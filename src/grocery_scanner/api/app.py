"""The FastAPI application: built from the settings by `create_app`, its shared parts made in the
lifespan (one Services, one database, the plan jobs) and handed to requests through dependencies."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from grocery_scanner import __version__
from grocery_scanner.api import pages
from grocery_scanner.api.jobs import PlanJobs, Plans
from grocery_scanner.api.maintenance import check_health_periodically, recover, warm_periodically
from grocery_scanner.api.queued import QueuedPlans
from grocery_scanner.api.ratelimit import RateLimits
from grocery_scanner.api.routes import admin, catalog, health, operations, plans
from grocery_scanner.api.runs import NotFound, NotReady
from grocery_scanner.api.security import API_KEY_HEADER, BodyLimit
from grocery_scanner.api.state import ServiceState
from grocery_scanner.errors import GroceryError, UserInputError
from grocery_scanner.models import utcnow
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings, load_settings
from grocery_scanner.workers.queue import connected, plan_queue

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or load_settings()
    limits = RateLimits(settings.service.rate_limit, settings.service.submit_rate_limit)  # a bad limit fails here

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started_at = utcnow()
        async with Services(settings, transport) as services, services.database() as db:
            service = settings.service
            jobs: Plans
            if settings.queue_url is not None:  # the workers run the plans
                jobs = QueuedPlans(services, db, await connected(plan_queue(settings)))
            else:
                jobs = PlanJobs(services, db, service.max_concurrent_plans, service.finished_jobs_kept)
            state = ServiceState(services, db, jobs, limits)
            app.state.service = state
            background = [
                asyncio.create_task(recover(state, started_at), name="start-up recovery"),
                asyncio.create_task(warm_periodically(state), name="cache warming"),
                asyncio.create_task(check_health_periodically(state), name="health checks"),
            ]
            try:
                yield
            finally:
                for task in background:
                    task.cancel()
                await jobs.aclose()  # plans running here are recorded as interrupted: the next start resumes them
                await asyncio.gather(*background, return_exceptions=True)

    app = FastAPI(
        title="Grocery Price Scanner",
        version=__version__,
        summary="Recipes in, the cheapest basket across stores out.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.service.max_body_bytes)
    if settings.service.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.service.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", API_KEY_HEADER],
        )
    _error_handlers(app)
    for module in (plans, catalog, admin, operations, health):
        app.include_router(module.router)
    app.include_router(pages.router)  # the web pages; before the /static mount, so its vendor route is found
    app.mount("/static", pages.static_files(), name="static")
    return app


# our errors and their status codes, the most specific first (NotFound and NotReady are UserInputErrors)
ERROR_STATUS: dict[type[GroceryError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    NotReady: status.HTTP_409_CONFLICT,
    UserInputError: status.HTTP_400_BAD_REQUEST,
    GroceryError: status.HTTP_502_BAD_GATEWAY,  # a store, a recipe site or the queue could not be reached
}


def _error_handlers(app: FastAPI) -> None:
    """Errors as JSON `{"detail": ...}`: what was wrong in one line, never a stack trace or a secret."""

    async def known(request: Request, exc: Exception) -> JSONResponse:
        status_code = next(code for kind, code in ERROR_STATUS.items() if isinstance(exc, kind))
        return JSONResponse({"detail": str(exc)}, status_code=status_code)

    for kind in ERROR_STATUS:
        app.add_exception_handler(kind, known)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:12]
        log.error("error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"detail": f"internal error {error_id}: the service log has the details"},
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
