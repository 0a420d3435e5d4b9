"""A Plan as a terminal table, JSON, Markdown or CSV."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

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


def _summary(plan: Plan) -> list[str]:
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


def render_table(plan: Plan, console: Console) -> None:
    for store in plan.stores:
        table = Table(title=f"{store.store_name}: ${store.total}", caption=store.why, title_justify="left")
        for column, justify in [
            ("Ingredient", "left"),
            ("Product", "left"),
            ("Size", "right"),
            ("Packs", "right"),
            ("Price", "right"),
            ("Cost", "right"),
            ("Unit price", "right"),
            ("Note", "left"),
        ]:
            table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for line in store.lines:
            product = (
                f"{line.brand} {line.product}"
                if line.brand and not line.product.startswith(line.brand)
                else line.product
            )
            tier = {
                "cache": f"cached answer from {line.observed_at:%H:%M}",
                "stale": f"stale price, seen {line.observed_at:%Y-%m-%d %H:%M}",
                "alternative": "from the store's flyer (its site did not answer)",
            }.get(line.tier, "")
            doubt = f"low price quality: {line.quality_warning}" if line.quality_warning else ""
            parts = [tier, "sale" if line.sale else "", line.multi_buy or "", line.note or "", doubt]
            note = "; ".join(x for x in parts if x)
            unit = f"${line.unit_price}/{line.unit}" if line.unit_price is not None else ""
            table.add_row(
                line.ingredient,
                product,
                line.size or "",
                str(line.packs),
                f"${line.price}",
                f"${line.line_cost}",
                unit,
                note,
            )
        console.print(table)
    sections: list[Text] = [Text(line, style="bold") for line in _summary(plan)]
    for title, items in [("Needs review", plan.needs_review), ("Unavailable", plan.unavailable)]:
        for item in items:
            hint = f" — closest: {'; '.join(item.candidates)}" if item.candidates else ""
            sections.append(Text(f"{title}: {item.ingredient} ({item.reason}){hint}", style="yellow"))
    if plan.pantry:
        sections.append(Text(f"From your pantry (not bought): {', '.join(plan.pantry)}", style="dim"))
    for warning in plan.warnings:
        sections.append(Text(f"Warning: {warning}", style="yellow"))
    sections += [Text(line, style="yellow") for line in _set_aside(plan)]
    console.print(Panel(Group(*sections), title="Plan"))


def render_json(plan: Plan) -> str:
    return json.dumps(plan.model_dump(mode="json"), indent=2)


def render_markdown(plan: Plan) -> str:
    out = ["# Shopping plan", ""]
    out += [f"- {line}" for line in _summary(plan)]
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
    if set_aside := _set_aside(plan):
        out += ["", "## Set aside by the quality gate", ""] + [f"- {line}" for line in set_aside]
    return "\n".join(out) + "\n"


SHOWN_SET_ASIDE = 10


def _set_aside(plan: Plan) -> list[str]:
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
