"""A Plan as a terminal table; the other formats are in reports/plan_formats.py."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grocery_scanner.models.plan import Plan
from grocery_scanner.reports.plan_formats import set_aside_lines, summary_lines


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
    sections: list[Text] = [Text(line, style="bold") for line in summary_lines(plan)]
    for title, items in [("Needs review", plan.needs_review), ("Unavailable", plan.unavailable)]:
        for item in items:
            hint = f" — closest: {'; '.join(item.candidates)}" if item.candidates else ""
            sections.append(Text(f"{title}: {item.ingredient} ({item.reason}){hint}", style="yellow"))
    if plan.pantry:
        sections.append(Text(f"From your pantry (not bought): {', '.join(plan.pantry)}", style="dim"))
    for warning in plan.warnings:
        sections.append(Text(f"Warning: {warning}", style="yellow"))
    sections += [Text(line, style="yellow") for line in set_aside_lines(plan)]
    console.print(Panel(Group(*sections), title="Plan"))
