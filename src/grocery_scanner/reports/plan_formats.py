"""A Plan as text for people and programs: JSON, Markdown and CSV (the terminal table is the CLI's)."""

from __future__ import annotations

import csv
import io
import json

from grocery_scanner.models.plan import Plan

CSV_COLUMNS = [
    "store",
    "ingredient",
    "product",
    "brand",
    "size",
    "packs",
    "price",
    "line_cost",
    "sale",
    "unit_price",
    "unit",
    "confidence",
    "quality",
    "quality_warning",
    "observed_at",
    "tier",
    "source",
]


def summary_lines(plan: Plan) -> list[str]:
    lines = [f"Total: ${plan.total} at {len(plan.stores)} store(s) ({plan.strategy})"]
    if plan.best_single_store:
        single = f"${plan.best_single_store_total} at {plan.best_single_store}"
        if plan.best_single_store_missing:
            single += f", missing {plan.best_single_store_missing} item(s)"
        if plan.savings is not None:
            lines.append(f"Savings against the best single store ({single}): ${plan.savings}")
        else:
            lines.append(f"Best single store: {single}")
    if plan.over_budget is not None:
        lines.append(
            f"Over your budget of ${plan.budget} by ${plan.over_budget}; "
            f"dropping {', '.join(plan.drop_to_meet_budget)} would meet it"
        )
    return lines


def render_json(plan: Plan) -> str:
    return json.dumps(plan.model_dump(mode="json"), indent=2)


def render_markdown(plan: Plan) -> str:
    out = ["# Shopping plan", ""]
    out += [f"- {line}" for line in summary_lines(plan)]
    for store in plan.stores:
        out += [
            "",
            f"## {store.store_name} — ${store.total}",
            "",
            f"_{store.why}_",
            "",
            "| Ingredient | Product | Size | Packs | Cost | Unit price |",
            "|---|---|---|---:|---:|---:|",
        ]
        for line in store.lines:
            unit = f"${line.unit_price}/{line.unit}" if line.unit_price is not None else ""
            sale = " (sale)" if line.sale else ""
            out.append(
                f"| {line.ingredient} | {line.product}{sale} | {line.size or ''} | {line.packs} | "
                f"${line.line_cost} | {unit} |"
            )
    for title, items in [("Needs review", plan.needs_review), ("Unavailable", plan.unavailable)]:
        if items:
            out += ["", f"## {title}", ""] + [f"- {i.ingredient}: {i.reason}" for i in items]
    if plan.pantry:
        out += ["", "## From your pantry", "", ", ".join(plan.pantry)]
    if plan.warnings:
        out += ["", "## Warnings", ""] + [f"- {w}" for w in plan.warnings]
    if set_aside := set_aside_lines(plan):
        out += ["", "## Set aside by the quality gate", ""] + [f"- {line}" for line in set_aside]
    return "\n".join(out) + "\n"


SHOWN_SET_ASIDE = 10


def set_aside_lines(plan: Plan) -> list[str]:
    """The offers the quality gate kept from the plan, and why (the first few; the command lists all)."""
    if not plan.set_aside:
        return []
    lines = [f"Set aside by the quality gate: {len(plan.set_aside)} offer(s) not used"]
    for item in plan.set_aside[:SHOWN_SET_ASIDE]:
        price = f" at ${item.price}" if item.price else ""
        lines.append(f"  {item.store_name}: {item.product}{price}: {item.reason}")
    if len(plan.set_aside) > SHOWN_SET_ASIDE:
        lines.append(f"  ... and {len(plan.set_aside) - SHOWN_SET_ASIDE} more: grocery-scanner quality quarantine")
    return lines


def render_csv(plan: Plan) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in plan.lines:
        writer.writerow(
            [
                line.store_name,
                line.ingredient,
                line.product,
                line.brand or "",
                line.size or "",
                line.packs,
                line.price,
                line.line_cost,
                line.sale,
                line.unit_price or "",
                line.unit or "",
                line.confidence,
                line.quality if line.quality is not None else "",
                line.quality_warning or "",
                line.observed_at.isoformat(),
                line.tier,
                line.source_format,
            ]
        )
    return buffer.getvalue()
