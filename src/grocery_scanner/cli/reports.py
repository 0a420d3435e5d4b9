"""Parsed ingredients and matches as Rich tables or JSON."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from grocery_scanner.models import Ingredient, Recipe
from grocery_scanner.models.match import MatchStatus, NeedMatch, Option


def ingredient_row(ingredient: Ingredient) -> dict[str, Any]:
    q = ingredient.quantity
    return {
        "name": ingredient.name,
        "quantity": q.amount if q else None,
        "unit": q.unit.value if q else None,
        "packages": ingredient.packages,
        "amount_text": ingredient.amount_text,
        "preparation": ingredient.preparation,
        "comment": ingredient.comment,
        "pantry": ingredient.pantry,
        "source": str(ingredient.source),
        "text": ingredient.text,
        "confidence": ingredient.confidence,
    }


def print_recipes(recipes: list[Recipe], console: Console, as_json: bool) -> None:
    if as_json:
        doc = [
            {
                "title": r.title,
                "source": r.source,
                "servings": r.servings,
                "ingredients": [ingredient_row(i) for i in r.ingredients],
                "problems": r.problems,
            }
            for r in recipes
        ]
        console.print_json(json.dumps(doc))
        return
    for recipe in recipes:
        servings = f", {recipe.servings:g} servings" if recipe.servings else ""
        table = Table(title=f"{recipe.title}{servings}")
        for column in ("Ingredient", "Amount", "Quantity", "Notes", "Line"):
            table.add_column(column, overflow="fold")
        for i in recipe.ingredients:
            notes = "; ".join(x for x in [i.preparation, i.comment, "pantry: not bought" if i.pantry else None] if x)
            amount = f"{i.quantity.amount:g} {i.quantity.unit.value}" if i.quantity else ""
            if i.packages:
                amount += " (packages)"
            table.add_row(i.name, i.amount_text or "", amount, notes, str(i.source))
        console.print(table)


def option_row(option: Option) -> dict[str, Any]:
    p = option.offer.product
    return {
        "store": option.store_id,
        "product": p.name,
        "brand": p.brand,
        "size": str(p.size) if p.size else None,
        "price": str(option.offer.price),
        "packs": option.packs,
        "cost": str(option.cost),
        "confidence": option.confidence,
        "reasons": list(option.reasons),
        "note": option.note,
    }


def print_matches(matches: list[NeedMatch], console: Console, as_json: bool) -> None:
    if as_json:
        doc = [
            {
                "ingredient": m.need.name,
                "quantity": str(m.need.quantity) if m.need.quantity else None,
                "status": m.status.value,
                "chosen": {s: option_row(o) for s, o in m.best_per_store().items()},
                "review_candidates": [option_row(o) for o in m.candidates],
                "rejected": [r.model_dump() for r in m.rejected],
            }
            for m in matches
        ]
        console.print_json(json.dumps(doc))
        return
    table = Table(title="Matches")
    for column in ("Ingredient", "Need", "Store", "Product", "Packs", "Cost", "Confidence", "Why"):
        table.add_column(column, overflow="fold")
    for m in matches:
        need = str(m.need.quantity) if m.need.quantity else ""
        if m.status is not MatchStatus.MATCHED:
            label = {
                MatchStatus.PANTRY: "[dim]pantry item: not bought[/dim]",
                MatchStatus.UNAVAILABLE: "[red]no store sells it[/red]",
                MatchStatus.NEEDS_REVIEW: "[yellow]needs review[/yellow]",
            }[m.status]
            best = "; ".join(f"{o.offer.product.name} ({o.confidence:.2f})" for o in m.candidates)
            table.add_row(m.need.name, need, "", label, "", "", "", best)
            continue
        for store, option in sorted(m.best_per_store().items()):
            p = option.offer.product
            product = f"{p.brand + ' ' if p.brand and not p.name.startswith(p.brand) else ''}{p.name} {p.size or ''}"
            why = "; ".join(option.reasons[:3]) + (f"; {option.note}" if option.note else "")
            table.add_row(
                m.need.name, need, store, product, str(option.packs), f"${option.cost}", f"{option.confidence:.2f}", why
            )
        for refused in m.rejected:
            table.add_row("", "", refused.store_id, f"[dim]not {refused.product}[/dim]", "", "", "", refused.reason)
    console.print(table)
