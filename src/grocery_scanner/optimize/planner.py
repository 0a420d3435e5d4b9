"""Matches to a Plan: build the MILP items, solve, and explain the result."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from grocery_scanner.models.match import MatchStatus, NeedMatch, Option
from grocery_scanner.models.plan import Plan, PlanLine, SkippedItem, StorePlan
from grocery_scanner.optimize.problem import BasketLimits, Candidate, Item, Strategy
from grocery_scanner.optimize.solver import optimise


def _option_id(option: Option) -> str:
    return f"{option.store_id}:{option.offer.product.sku}"


def _line(need_name: str, option: Option, store_names: dict[str, str]) -> PlanLine:
    offer, product = option.offer, option.offer.product
    deal = offer.multi_buy
    return PlanLine(
        ingredient=need_name,
        store_id=option.store_id,
        store_name=store_names.get(option.store_id, option.store_id),
        product=product.name,
        brand=product.brand,
        sku=product.sku,
        size=str(product.size) if product.size else product.size_text,
        packs=option.packs,
        price=offer.price,  # type: ignore[arg-type]
        unit_price=offer.unit_price,
        unit=offer.unit,
        line_cost=option.cost,
        sale=offer.sale,
        multi_buy=str(deal) if deal else None,
        observed_at=offer.observed_at,
        tier=offer.tier,
        source_format=offer.source_format,
        confidence=option.confidence,
        note=option.note,
    )


def _skipped(match: NeedMatch, reason: str) -> SkippedItem:
    return SkippedItem(
        ingredient=match.need.name,
        reason=reason,
        candidates=[f"{o.offer.product.name} at {o.store_id} ({o.confidence:.2f})" for o in match.candidates],
    )


def make_plan(
    matches: list[NeedMatch],
    limits: BasketLimits,
    store_names: dict[str, str],
    pins: dict[str, str] | None = None,
    prefer_brands: frozenset[str] = frozenset(),
) -> Plan:
    """The best plan for `limits`, with the best single store as the yardstick for savings."""
    pins = pins or {}
    buyable = [m for m in matches if m.status is MatchStatus.MATCHED]
    options: dict[str, dict[str, Option]] = {}
    items = []
    for m in buyable:
        by_id = {_option_id(o): o for o in m.options}
        options[m.need.key] = by_id
        candidates = tuple(
            Candidate(oid, o.store_id, o.cost, o.confidence, (o.offer.product.brand or "").lower() in prefer_brands)
            for oid, o in by_id.items()
        )
        items.append(Item(m.need.key, candidates, pinned=pins.get(m.need.key)))
    plan = Plan(
        strategy=limits.strategy.value,
        max_stores=limits.max_stores,
        budget=limits.budget,
        stores=[],
        total=Decimal(0),
        needs_review=[
            _skipped(m, "no product matched well enough") for m in matches if m.status is MatchStatus.NEEDS_REVIEW
        ],
        unavailable=[_skipped(m, "no store sells it") for m in matches if m.status is MatchStatus.UNAVAILABLE],
        pantry=[m.need.name for m in matches if m.status is MatchStatus.PANTRY],
    )
    if not items:
        plan.warnings.append("nothing could be matched to a store product")
        return plan
    solution = optimise(items, limits)
    names = {m.need.key: m.need.name for m in buyable}
    by_store: dict[str, list[PlanLine]] = defaultdict(list)
    for key, candidate in solution.chosen.items():
        by_store[candidate.store_id].append(_line(names[key], options[key][candidate.option_id], store_names))
    for key in solution.unbought:
        plan.unavailable.append(SkippedItem(ingredient=names[key], reason="not sold at the stores the limits allow"))
    single_limits = BasketLimits(strategy=Strategy.CHEAPEST, max_stores=1, excluded_stores=limits.excluded_stores)
    same_question = limits == single_limits and not pins
    single = solution if same_question else optimise(items, single_limits)
    plan.best_single_store = store_names.get(single.stores[0], single.stores[0]) if single.stores else None
    plan.best_single_store_total = single.total
    plan.best_single_store_missing = len(single.unbought)
    plan.total = solution.total
    if len(single.unbought) == len(solution.unbought):
        plan.savings = single.total - solution.total
    plan.stores = _explain(by_store, store_names, options, solution.chosen)
    if not solution.budget_met:
        plan.over_budget = solution.over_budget
        plan.drop_to_meet_budget = [names[k] for k in solution.drop_to_meet_budget]
    plan.warnings.extend(solution.notes)
    return plan


def _explain(
    by_store: dict[str, list[PlanLine]],
    store_names: dict[str, str],
    options: dict[str, dict[str, Option]],
    chosen: dict[str, Candidate],
) -> list[StorePlan]:
    stores = []
    for store_id, lines in sorted(by_store.items(), key=lambda kv: -sum(line.line_cost for line in kv[1])):
        total = sum((line.line_cost for line in lines), Decimal(0))
        keys = [k for k, c in chosen.items() if c.store_id == store_id]
        cheapest_here = sum(1 for k in keys if min(options[k].values(), key=lambda o: o.cost).store_id == store_id)
        extra = Decimal(0)
        for k in keys:
            elsewhere = [o.cost for o in options[k].values() if o.store_id != store_id]
            if elsewhere:
                extra += min(elsewhere) - chosen[k].cost
        why = f"{len(lines)} item(s); cheapest anywhere for {cheapest_here}"
        if extra > 0:
            why += f"; buying them elsewhere would cost ${extra} more"
        stores.append(
            StorePlan(
                store_id=store_id,
                store_name=store_names.get(store_id, store_id),
                lines=sorted(lines, key=lambda line: line.ingredient),
                total=total,
                why=why,
            )
        )
    return stores
