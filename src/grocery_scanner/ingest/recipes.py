"""Parse raw recipes into Recipes, scale servings, and sum them into shopping needs."""

from __future__ import annotations

from collections.abc import Callable

from grocery_scanner.ingest.bounds import LIMITS_TEXT, too_much
from grocery_scanner.ingest.lines import LineError, LineParser
from grocery_scanner.ingest.readers import RawRecipe
from grocery_scanner.ingest.units import convert
from grocery_scanner.models import Ingredient, Need, Quantity, Recipe, SourceRef, Unit
from grocery_scanner.text import words


def ingredient_key(name: str) -> str:
    return " ".join(words(name))


def parse_recipe(raw: RawRecipe, parser: LineParser, servings: float | None = None) -> Recipe:
    """Parse every line; a line that fails is reported in `problems` and the rest go on."""
    factor = servings / raw.servings if servings and raw.servings else 1.0
    recipe = Recipe(title=raw.title, source=raw.source, servings=servings or raw.servings)
    for number, text in raw.lines:
        try:
            parsed = parser.parse(text, SourceRef(source=raw.source, line=number))
        except LineError as exc:
            recipe.problems.append(str(exc))
            continue
        for ingredient in parsed:
            if factor != 1.0 and ingredient.quantity is not None:
                amount = max(round(ingredient.quantity.amount * factor, 3), 0.001)
                scaled = Quantity(amount=amount, unit=ingredient.quantity.unit)
                if too_much(scaled):
                    recipe.problems.append(f"{ingredient.source}: amount too large once scaled ({LIMITS_TEXT})")
                    continue
                ingredient = ingredient.model_copy(update={"quantity": scaled})
            recipe.ingredients.append(ingredient)
            recipe.problems.extend(f"{ingredient.source}: {w}" for w in ingredient.warnings)
    return recipe


def _add(total: Quantity | None, extra: Quantity | None, name: str) -> tuple[Quantity | None, str | None]:
    if extra is None:
        return total, None
    if total is None:
        return extra, None
    if extra.unit is total.unit:
        return Quantity(amount=round(total.amount + extra.amount, 3), unit=total.unit), None
    # prefer mass as the common unit, then volume
    for target in (Unit.G, Unit.ML, Unit.EA):
        a, b = convert(total, target, name), convert(extra, target, name)
        if a is not None and b is not None:
            return Quantity(amount=round(a.amount + b.amount, 3), unit=target), None
    return total, f"cannot add {extra} to {total} of {name}: kept {total}"


def shopping_needs(recipes: list[Recipe], key: Callable[[str], str] = ingredient_key) -> list[Need]:
    """The same ingredient from several recipes, summed ("2 cups flour" + "500 g flour").

    `key` decides what counts as the same ingredient; the matcher's key also folds synonyms
    ("granulated sugar" and "white sugar") and preparation words ("ripe bananas")."""
    needs: dict[str, Need] = {}
    for recipe in recipes:
        for ingredient in recipe.ingredients:
            _merge(needs, ingredient, key(ingredient.name))
    return list(needs.values())


def _merge(needs: dict[str, Need], ingredient: Ingredient, key: str) -> None:
    need = needs.get(key)
    if need is None:
        needs[key] = Need(
            key=key,
            name=ingredient.name.lower(),
            quantity=ingredient.quantity,
            packages=ingredient.packages,
            pantry=ingredient.pantry,
            sources=[ingredient.source],
            lines=[ingredient.text],
            alternatives=list(ingredient.alternatives),
        )
        return
    if need.packages != ingredient.packages and ingredient.quantity is not None and need.quantity is not None:
        need.warnings.append(f"'{ingredient.text}' counts packages while others give amounts: added as amounts")
    total, warning = _add(need.quantity, ingredient.quantity, need.name)
    need.quantity = total
    need.packages = need.packages and ingredient.packages
    need.pantry = need.pantry and ingredient.pantry
    need.sources.append(ingredient.source)
    need.lines.append(ingredient.text)
    # a stand-in only where every line allows it: "ghee" in another recipe wants ghee
    need.alternatives = [a for a in need.alternatives if a in ingredient.alternatives]
    if warning:
        need.warnings.append(warning)
