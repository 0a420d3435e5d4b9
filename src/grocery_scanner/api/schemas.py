"""The API's request and response bodies: what OpenAPI publishes and FastAPI validates (a wrong field
is a 422 naming it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

from grocery_scanner.ingest.bounds import MAX_SERVINGS
from grocery_scanner.models.plan import Plan
from grocery_scanner.optimize.problem import VISIT_COST, Strategy

MAX_TEXT_CHARS = 100_000


class PlanSubmission(BaseModel):
    """A plan to make: recipes or lists pasted as text and/or recipe URLs, with the plan's options."""

    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Recipes or shopping lists as text: one ingredient a line, '# Title' starts a recipe.",
    )
    urls: list[AnyHttpUrl] = Field(default_factory=list, max_length=50, description="Recipe pages (http or https).")
    store_set: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$")
    stores: list[str] | None = Field(
        default=None, min_length=1, max_length=50, description="Store ids; all of the set by default."
    )
    strategy: Strategy = Strategy.BALANCED
    max_stores: int | None = Field(default=None, ge=1, le=50)
    budget: Decimal | None = Field(default=None, gt=0, le=100_000, decimal_places=2)
    visit_cost: Decimal = Field(default=VISIT_COST, ge=0, le=1_000, decimal_places=2)
    servings: float | None = Field(default=None, gt=0, le=MAX_SERVINGS)

    @model_validator(mode="after")
    def _something_to_plan(self) -> PlanSubmission:
        if not any(t.strip() for t in self.texts) and not self.urls:
            raise ValueError("give at least one recipe or list in texts, or a recipe URL in urls")
        if any(len(t) > MAX_TEXT_CHARS for t in self.texts):
            raise ValueError(f"a text is longer than {MAX_TEXT_CHARS:,} characters")
        if self.stores is not None and any(not s or len(s) > 64 for s in self.stores):
            raise ValueError("a store id is empty or longer than 64 characters")
        return self


class PlanLinks(BaseModel):
    status: str
    events: str
    result: str
    cancel: str


class PlanAccepted(BaseModel):
    id: str
    status: str
    links: PlanLinks


class PlanStatus(BaseModel):
    id: str
    status: str = Field(description="queued, running, succeeded, failed, cancelled, cancelling, timeout, interrupted")
    stage: str | None = None
    stages_done: int = 0
    stages_total: int = 0
    searches_done: int = 0
    searches_total: int = 0
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class PlanResultBody(BaseModel):
    id: str
    plan: Plan
    recipes: list[str] = Field(description="The recipes read, by title.")
    problems: list[str] = Field(description="Lines that could not be read.")
    comparison: dict[str, Any] | None = Field(default=None, description="The A/B share: the other strategy's plan.")


class CancelBody(BaseModel):
    id: str
    status: str


class StoreBody(BaseModel):
    id: str
    name: str
    status: str
    calls: int
    success_rate: float | None
    p50_ms: float | None
    p95_ms: float | None
    breaker: str
    rate_per_s: float
    last_error: str | None


class OfferBody(BaseModel):
    store_id: str
    store_name: str
    sku: str
    name: str
    brand: str | None
    size: str | None
    price: Decimal | None
    regular_price: Decimal | None
    unit_price: Decimal | None
    unit: str | None
    in_stock: bool
    tier: str


class SearchBody(BaseModel):
    query: str
    offers: list[OfferBody]
    failures: dict[str, str] = Field(description="Stores whose search failed, and why.")


class Observation(BaseModel):
    observed_at: datetime
    price: Decimal | None
    regular_price: Decimal | None
    unit_price: Decimal | None
    unit: str | None
    in_stock: bool


class HistoryBody(BaseModel):
    store_id: str
    sku: str
    product: str | None
    brand: str | None
    size: str | None
    observations: list[Observation]


class ClearCache(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")


class WarmCache(BaseModel):
    model_config = ConfigDict(extra="forbid")
    top: int = Field(default=100, ge=1, le=10_000)


class RetryLetters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[int] | None = Field(default=None, max_length=1000, description="None: every open dead letter.")


class AdminOutcome(BaseModel):
    action: str
    outcome: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """What went wrong, in one line."""

    detail: str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers an operation documents, for OpenAPI."""
    described = {
        400: "Bad input: a store set or store that does not exist, a body that is not JSON",
        401: "The API key is missing or wrong",
        403: "Closed: no API key is configured for these endpoints",
        404: "Not found",
        409: "Not possible in the plan's state",
        413: "The request body is too large",
        429: "Too many requests from this client (see Retry-After)",
        502: "A store or a recipe site could not be reached",
    }
    return {code: {"model": ErrorBody, "description": described[code]} for code in codes}
