"""Liveness, readiness and the Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from grocery_scanner.api.state import State

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "alive"}


@router.get(
    "/health/ready",
    responses={503: {"description": "Not ready: the database is unreachable or start-up recovery runs"}},
)
async def ready(state: State) -> JSONResponse:
    """Readiness: the database answers and the start-up recovery of earlier plans is done."""
    checks: dict[str, str] = {}
    try:
        async with state.db.session() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure to reach it is "not ready", never a 500
        checks["database"] = f"unreachable ({type(exc).__name__})"
    checks["recovery"] = "done" if state.recovered.is_set() else "running"
    ok = checks["database"] == "ok" and state.recovered.is_set()
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": checks, "recovery": state.recovery},
        status_code=status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE,
    )


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(state: State) -> Response:
    """This process's metrics in Prometheus' text format."""
    return Response(state.services.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
