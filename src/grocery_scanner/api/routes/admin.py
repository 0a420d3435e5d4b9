"""/api/v1/admin: cache clear and warm, dead-letter retry, configuration reload and the audit log, all
behind the API key; every action (refused ones included) goes to the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from grocery_scanner.api.schemas import AdminOutcome, ClearCache, RetryLetters, WarmCache, errors
from grocery_scanner.api.security import client_of, rate_limited, require_admin
from grocery_scanner.api.state import State
from grocery_scanner.cache.admin import clear_cache
from grocery_scanner.errors import GroceryError
from grocery_scanner.settings import load_settings
from grocery_scanner.storage import audit_records
from grocery_scanner.workflow.dead_letters import retry_letters
from grocery_scanner.workflow.warming import warm_cache

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    dependencies=[Depends(rate_limited), Depends(require_admin)],
    responses=errors(400, 401, 403, 413, 429),
)


async def _audited(
    state: State, request: Request, action: str, details: dict[str, Any], work: Callable[[], Awaitable[AdminOutcome]]
) -> AdminOutcome:
    try:
        outcome = await work()
    except GroceryError as exc:
        await _audit(state, request, action, details, f"refused: {exc}")
        raise
    await _audit(state, request, action, details, outcome.outcome)
    return outcome


async def _audit(state: State, request: Request, action: str, details: dict[str, Any], outcome: str) -> None:
    async with state.db.session() as session:
        await audit_records.record(session, client_of(request), action, details, outcome)


@router.post("/cache/clear", response_model=AdminOutcome)
async def cache_clear(body: ClearCache, state: State, request: Request) -> AdminOutcome:
    """Drops cached answers (of one store) from every tier, this process's memory included."""

    async def work() -> AdminOutcome:
        dropped = await clear_cache(state.services, body.store)
        return AdminOutcome(
            action="cache clear", outcome=f"dropped {dropped} cached answers", details={"dropped": dropped}
        )

    return await _audited(state, request, "cache clear", body.model_dump(), work)


@router.post("/cache/warm", response_model=AdminOutcome)
async def cache_warm(body: WarmCache, state: State, request: Request) -> AdminOutcome:
    """Searches the `top` most searched queries again at every store, at the lowest priority."""

    async def work() -> AdminOutcome:
        warmed = await warm_cache(state.services, state.db, body.top)
        text = f"warmed {warmed.queries} queries: {warmed.fresh} fresh, {warmed.asked} asked, {warmed.failed} failed"
        return AdminOutcome(action="cache warm", outcome=text, details=warmed.as_dict())

    return await _audited(state, request, "cache warm", body.model_dump(), work)


@router.post("/dlq/retry", response_model=AdminOutcome)
async def dlq_retry(body: RetryLetters, state: State, request: Request) -> AdminOutcome:
    """Searches the dead letters (`ids`, or every open one) again; those that succeed leave the queue."""

    async def work() -> AdminOutcome:
        outcomes = await retry_letters(state.services, state.db, body.ids)
        resolved = sum(1 for _, ok, _ in outcomes if ok)
        return AdminOutcome(
            action="dlq retry",
            outcome=f"{resolved} of {len(outcomes)} resolved",
            details={"letters": [{"id": i, "resolved": ok, "detail": d} for i, ok, d in outcomes]},
        )

    return await _audited(state, request, "dlq retry", body.model_dump(), work)


@router.post("/config/reload", response_model=AdminOutcome)
async def config_reload(state: State, request: Request) -> AdminOutcome:
    """Reads the settings (environment and YAML files) and the store profiles again, without a restart."""

    async def work() -> AdminOutcome:
        settings = load_settings()
        limits = state.limits.checked(settings.service.rate_limit, settings.service.submit_rate_limit)
        sets = state.services.reload(settings)  # a wrong setting or profile changes nothing
        state.limits.every_request, state.limits.submissions = limits
        return AdminOutcome(
            action="config reload",
            outcome=f"reloaded ({settings.environment}); store sets {', '.join(sets) or 'none running'}",
            details={"environment": settings.environment, "store_sets": sets},
        )

    return await _audited(state, request, "config reload", {}, work)


@router.get("/audit", response_model=list[dict[str, Any]])
async def audit_log(state: State, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """The latest admin actions, newest first."""
    async with state.db.session() as session:
        rows = await audit_records.recent(session, limit)
    return [
        {"at": r.at.isoformat(), "client": r.client, "action": r.action, "details": r.details, "outcome": r.outcome}
        for r in rows
    ]
