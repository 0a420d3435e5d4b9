"""/api/v1/dashboard: the operations dashboard's figures, as JSON (the dashboard page polls it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from grocery_scanner.api.dashboard import figures
from grocery_scanner.api.schemas import errors
from grocery_scanner.api.security import rate_limited
from grocery_scanner.api.state import State

router = APIRouter(prefix="/api/v1", tags=["operations"], dependencies=[Depends(rate_limited)], responses=errors(429))


@router.get("/dashboard", response_model=dict[str, Any])
async def dashboard(state: State, window: Annotated[int, Query(ge=1, le=10080)] = 60) -> dict[str, Any]:
    """Health score and components, stores and breakers, cache hit rates, SLA compliance, firing alerts,
    the dead-letter queue, plans under way and the strategy comparison; measured now."""
    return await figures(state, window)
