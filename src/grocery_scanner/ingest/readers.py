"""Recipe inputs to Recipes: text files, JSON, schema.org Recipe HTML files and URLs.

Text: one ingredient a line; "# Title" starts a recipe; "servings: N" sets its servings;
blank lines and bullets are fine. JSON: a recipe {"title", "servings", "ingredients": [...]},
a list of recipes, {"recipes": [...]}, or a shopping list {"items": [...]} / ["2 l milk", ...].
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grocery_scanner.errors import UserInputError
from grocery_scanner.ingest.bounds import MAX_INPUT_BYTES, MAX_SERVINGS

if TYPE_CHECKING:
    from grocery_scanner.ingest.urls import UrlPolicy

_SERVINGS = re.compile(r"^\s*(?:servings|serves|yield|makes)\s*[:=]?\s*(\d+(?:\.\d+)?)", re.I)
_YIELD_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")


@dataclass
class RawRecipe:
    """A recipe before its lines are parsed: (line number or None, text) pairs."""

    title: str
    source: str
    servings: float | None = None
    lines: list[tuple[int | None, str]] = field(default_factory=list)


def _decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise UserInputError(f"{source}: the input is empty")
    if b"\x00" in data[:8192]:
        raise UserInputError(f"{source}: this is a binary file, not a recipe or list")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserInputError(f"{source}: not UTF-8 text") from None


def read_text(text: str, source: str, default_title: str) -> list[RawRecipe]:
    recipes: list[RawRecipe] = []
    current: RawRecipe | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            current = RawRecipe(title=line.lstrip("#").strip() or default_title, source=source)
            recipes.append(current)
            continue
        if current is None:
            current = RawRecipe(title=default_title, source=source)
            recipes.append(current)
        if match := _SERVINGS.match(line):
            current.servings = _servings(float(match.group(1)), f"{source}:{number}")
            continue
        current.lines.append((number, line))
    recipes = [r for r in recipes if r.lines]
    if not recipes:
        raise UserInputError(f"{source}: no ingredient lines found")
    return recipes


def _servings(value: Any, source: str = "") -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number: float | None = float(value) if value > 0 else None
    else:
        match = _YIELD_NUMBER.search(str(value or ""))
        number = float(match.group(1)) if match and float(match.group(1)) > 0 else None
    if number is not None and not (math.isfinite(number) and number <= MAX_SERVINGS):
        raise UserInputError(f"{source}: servings {value} is more than {MAX_SERVINGS:,}")
    return number


def read_json(text: str, source: str, default_title: str) -> list[RawRecipe]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{source}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise UserInputError(f"{source}: JSON nested too deeply") from None
    if isinstance(doc, dict) and "recipes" in doc:
        doc = doc["recipes"]
        if not isinstance(doc, list):
            raise UserInputError(f"{source}: 'recipes' must be a list of recipes")
    items = doc if isinstance(doc, list) else [doc]
    if items and all(isinstance(i, str) for i in items):
        items = [{"title": default_title, "ingredients": items}]
    recipes = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise UserInputError(f"{source}: recipe {index + 1} is not an object")
        lines = item.get("ingredients", item.get("items", item.get("recipeIngredient")))
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise UserInputError(f"{source}: recipe {index + 1} needs 'ingredients' (or 'items') as a list of strings")
        title = str(item.get("title") or item.get("name") or default_title)
        servings = _servings(item.get("servings", item.get("recipeYield")), source)
        recipes.append(RawRecipe(title, source, servings, [(None, x) for x in lines if x.strip()]))
    if not any(r.lines for r in recipes):
        raise UserInputError(f"{source}: no ingredient lines found")
    return [r for r in recipes if r.lines]


def read_html(html: str, source: str, url: str) -> list[RawRecipe]:
    from recipe_scrapers import scrape_html
    from recipe_scrapers._exceptions import RecipeScrapersExceptions

    try:
        scraper = scrape_html(html, org_url=url, supported_only=False)
        lines = scraper.ingredients()
        title = scraper.title()
    except RecipeScrapersExceptions:
        raise UserInputError(f"{source}: not a recipe page (no schema.org Recipe found)") from None
    except Exception as exc:  # scrapers raise assorted errors on pages with partial recipe data
        raise UserInputError(f"{source}: could not read the recipe ({type(exc).__name__})") from None
    if not lines:
        raise UserInputError(f"{source}: the recipe on this page lists no ingredients")
    try:
        servings = _servings(scraper.yields(), source)
    except Exception:  # yields() raises when the page has none
        servings = None
    return [RawRecipe(title or source, source, servings, [(None, x) for x in lines])]


def read_file(path: Path) -> list[RawRecipe]:
    source = str(path)
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise UserInputError(f"{source}: larger than {MAX_INPUT_BYTES // 1024 // 1024} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserInputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise UserInputError(f"{source}: is a directory") from None
    except OSError as exc:
        raise UserInputError(f"{source}: cannot read ({exc.strerror})") from None
    text = _decode(data, source)
    title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    suffix = path.suffix.lower()
    head = text.lstrip()[:200].lower()
    if suffix == ".json" or (suffix == "" and head.startswith(("{", "["))):
        return read_json(text, source, title)
    if suffix in (".html", ".htm") or head.startswith(("<!doctype html", "<html")):
        return read_html(text, source, f"https://localhost/{path.name}")  # the scraper needs an http(s) URL
    return read_text(text, source, title)


async def read_input(item: str, policy: UrlPolicy | None = None) -> list[RawRecipe]:
    if re.match(r"^[a-z][a-z0-9+.-]*://", item, re.I):  # a URL: fetched only over http(s), from public hosts
        from grocery_scanner.ingest.urls import fetch_url  # only a URL pays for the HTTP client

        return read_html(_decode(await fetch_url(item, policy), item), item, item)
    return read_file(Path(item))
