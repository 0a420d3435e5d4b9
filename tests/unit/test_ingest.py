"""Inputs to ingredients: each input kind, units, scaling, summing and bad input."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from grocery_scanner.errors import UserInputError
from grocery_scanner.ingest.lines import LineError, LineParser
from grocery_scanner.ingest.readers import read_file, read_input
from grocery_scanner.ingest.recipes import parse_recipe, shopping_needs
from grocery_scanner.ingest.units import convert, to_base
from grocery_scanner.ingest.urls import UrlPolicy
from grocery_scanner.models import Quantity, SourceRef, Unit

RECIPE_HTML = """<!doctype html><html><head><title>Pancakes</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Recipe", "name": "Fluffy Pancakes",
"recipeYield": "4 servings", "recipeIngredient": ["1 1/2 cups all-purpose flour", "2 large eggs",
"1 1/4 cups milk", "3 tbsp unsalted butter, melted", "1 tbsp baking powder"]}</script></head><body></body></html>"""


def _one(parser: LineParser, line: str):
    [ingredient] = parser.parse(line, SourceRef(source="t", line=1))
    return ingredient


@pytest.mark.parametrize(
    ("line", "name", "amount", "unit"),
    [
        ("2 1/2 cups all-purpose flour, sifted", "all-purpose flour", 591.47, Unit.ML),
        ("1½ tsp salt", "salt", 7.39, Unit.ML),
        ("500 g spaghetti", "spaghetti", 500, Unit.G),
        ("1/2 lb ground beef", "ground beef", 226.8, Unit.G),
        ("3 large eggs", "eggs", 3, Unit.EA),
        ("2-3 cloves garlic, minced", "garlic", 15, Unit.G),  # a range buys the upper bound
        ("1 (14 oz) can sweetened condensed milk", "sweetened condensed milk", 396.89, Unit.G),
        ("2 x 400g tins chopped tomatoes", "chopped tomatoes", 800, Unit.G),
        ("1 stick butter", "butter", 113, Unit.G),
        ("juice of 1 lemon", "lemon", 1, Unit.EA),
        ("- 1 cup milk", "milk", 236.59, Unit.ML),
        ("1 lb 2 oz flour", "flour", 510.29, Unit.G),
    ],
)
def test_lines(line_parser: LineParser, line: str, name: str, amount: float, unit: Unit) -> None:
    ingredient = _one(line_parser, line)
    assert ingredient.name.lower() == name
    assert ingredient.quantity is not None and ingredient.quantity.unit is unit
    assert ingredient.quantity.amount == pytest.approx(amount, rel=0.01)


def test_pantry_items_are_not_bought(line_parser: LineParser) -> None:
    salt, pepper = line_parser.parse("salt and pepper to taste", SourceRef(source="t"))
    assert salt.pantry and pepper.pantry
    assert _one(line_parser, "1 cup shredded mozzarella (optional)").pantry
    assert not _one(line_parser, "2 cups flour").pantry


def test_a_can_without_size_counts_packages(line_parser: LineParser) -> None:
    beans = _one(line_parser, "1 can black beans, drained")
    assert beans.packages and beans.quantity == Quantity(amount=1, unit=Unit.EA)


def test_unknown_unit_is_kept_as_a_count_with_a_warning() -> None:
    quantity, packages, warning = to_base(2, "blorps", "sugar")
    assert quantity == Quantity(amount=2, unit=Unit.EA) and not packages
    assert warning is not None and "unknown unit 'blorps'" in warning


def test_unparseable_lines_raise_line_errors_naming_the_place(line_parser: LineParser) -> None:
    with pytest.raises(LineError, match=r"menu\.txt:7: no ingredient name"):
        line_parser.parse("1/2", SourceRef(source="menu.txt", line=7))


def test_conversions_through_density_and_item_weight() -> None:
    cup_flour = Quantity(amount=236.588, unit=Unit.ML)
    assert convert(cup_flour, Unit.G, "all-purpose flour").amount == pytest.approx(125.4, rel=0.01)
    assert convert(Quantity(amount=2, unit=Unit.EA), Unit.G, "onion").amount == 400
    assert convert(Quantity(amount=400, unit=Unit.G), Unit.EA, "onion").amount == 2
    assert convert(Quantity(amount=1, unit=Unit.EA), Unit.G, "mystery powder") is None


def test_text_file_with_titles_servings_bullets_and_scaling(tmp_path: Path, line_parser: LineParser) -> None:
    menu = tmp_path / "week.txt"
    menu.write_text("# Pancakes\nservings: 4\n\n- 2 cups flour\n* 2 eggs\n\n# Bread\n• 500 g flour\n1 tsp salt\n")
    raws = read_file(menu)
    assert [(r.title, r.servings, len(r.lines)) for r in raws] == [("Pancakes", 4, 2), ("Bread", None, 2)]
    pancakes = parse_recipe(raws[0], line_parser, servings=8)
    flour = pancakes.ingredients[0].quantity
    assert flour is not None and flour.amount == pytest.approx(946.35, rel=0.001)  # 4 cups after doubling
    needs = {n.key: n for n in shopping_needs([parse_recipe(r, line_parser) for r in raws])}
    # 2 cups flour (0.53 g/ml) + 500 g flour, summed in grams
    assert needs["flour"].quantity.unit is Unit.G
    assert needs["flour"].quantity.amount == pytest.approx(500 + 473.18 * 0.53, rel=0.001)
    assert len(needs["flour"].sources) == 2


def test_json_recipe_list_and_shopping_list(tmp_path: Path) -> None:
    recipes = tmp_path / "r.json"
    recipes.write_text(json.dumps({"recipes": [{"title": "Soup", "servings": 6, "ingredients": ["1 onion"]}]}))
    [soup] = read_file(recipes)
    assert (soup.title, soup.servings, soup.lines) == ("Soup", 6, [(None, "1 onion")])
    shopping = tmp_path / "list.json"
    shopping.write_text(json.dumps(["2 l milk", "1 dozen eggs"]))
    [items] = read_file(shopping)
    assert [t for _, t in items.lines] == ["2 l milk", "1 dozen eggs"]


def test_schema_org_html_file(tmp_path: Path, line_parser: LineParser) -> None:
    page = tmp_path / "pancakes.html"
    page.write_text(RECIPE_HTML)
    [raw] = read_file(page)
    assert raw.title == "Fluffy Pancakes" and raw.servings == 4 and len(raw.lines) == 5
    recipe = parse_recipe(raw, line_parser)
    assert [i.name.lower() for i in recipe.ingredients][:2] == ["all-purpose flour", "eggs"]


@pytest.fixture
async def recipe_site() -> AsyncIterator[str]:
    async def page(request: web.Request) -> web.Response:
        text = RECIPE_HTML if request.path == "/pancakes" else "<html><body>About us</body></html>"
        return web.Response(text=text, content_type="text/html")

    app = web.Application()
    app.router.add_get("/pancakes", page)
    app.router.add_get("/about", page)

    async def elsewhere(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://10.1.2.3/recipe")

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(20):
            await response.write(b"<")
            await asyncio.sleep(0.3)
        return response

    app.router.add_get("/elsewhere", elsewhere)
    app.router.add_get("/drip", drip)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    await runner.cleanup()


LOCAL = UrlPolicy(allow_private=True)


async def test_recipe_url_over_http(recipe_site: str) -> None:
    [raw] = await read_input(f"{recipe_site}/pancakes", LOCAL)
    assert raw.title == "Fluffy Pancakes" and len(raw.lines) == 5
    with pytest.raises(UserInputError, match="not a recipe page"):
        await read_input(f"{recipe_site}/about", LOCAL)
    with pytest.raises(UserInputError, match="HTTP 404"):
        await read_input(f"{recipe_site}/missing", LOCAL)


async def test_a_local_address_is_refused_unless_allowed(recipe_site: str) -> None:
    with pytest.raises(UserInputError, match="private or local address"):
        await read_input(f"{recipe_site}/pancakes")
    assert await read_input(f"{recipe_site}/pancakes", LOCAL)


@pytest.mark.parametrize("url", ["ftp://example.com/r", "file:///etc/passwd", "http://[::1", "http://169.254.169.254/"])
async def test_only_public_http_addresses_are_fetched(url: str) -> None:
    with pytest.raises(UserInputError):
        await read_input(url)


async def test_a_redirect_to_a_private_address_is_refused(recipe_site: str) -> None:
    policy = UrlPolicy(trusted_hosts=frozenset({"127.0.0.1"}))
    with pytest.raises(UserInputError, match=r"10\.1\.2\.3 is a private or local address"):
        await read_input(f"{recipe_site}/elsewhere", policy)


async def test_a_drip_feeding_server_is_stopped_by_the_deadline(recipe_site: str) -> None:
    policy = UrlPolicy(allow_private=True, read_timeout_s=5, deadline_s=1)
    with pytest.raises(UserInputError, match="no complete answer within 1 s"):
        await read_input(f"{recipe_site}/drip", policy)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the input is empty"), (b"  \n\n", "the input is empty"), (b"\x89PNG\x00\x00\x01", "binary file")],
)
def test_empty_and_binary_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(UserInputError, match=message):
        read_file(path)


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no such file"):
        read_file(tmp_path / "nope.txt")
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x", "ingredients": "flour"}')
    with pytest.raises(UserInputError, match="list of strings"):
        read_file(bad)


def test_a_bad_line_is_reported_and_the_rest_is_processed(tmp_path: Path, line_parser: LineParser) -> None:
    menu = tmp_path / "menu.txt"
    menu.write_text("2 cups flour\n1/2\n3 eggs\n")
    recipe = parse_recipe(read_file(menu)[0], line_parser)
    assert [i.name for i in recipe.ingredients] == ["flour", "eggs"]
    assert recipe.problems == [f"{menu}:2: no ingredient name in '1/2'"]


def test_without_nltk_data_the_stand_in_tagger_parses(tmp_path: Path) -> None:
    """A process on a machine without NLTK's tagger: the stand-in is chosen, nothing is downloaded."""
    script = (
        "import nltk; nltk.data.path.clear()\n"
        "from grocery_scanner.ingest.lines import LineParser\n"
        "from grocery_scanner.models import SourceRef\n"
        "parser = LineParser()\n"
        "i = parser.parse('2 cups all-purpose flour', SourceRef(source='t'))[0]\n"
        "print(parser.tagger, i.name, i.quantity.unit.value)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["fallback all-purpose flour ml"]  # no download attempt printed
    assert list((tmp_path / "grocery-scanner").glob("nltk-fallback-*/taggers/*/*.weights.json"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("-3 cups flour", "negative amount"),
        ("1e15 g sugar", "amount too large"),
        ("1e308 g sugar", "amount too large"),
        ("1e308 cups butter", "amount too large"),
        ("99999999999999999999999 eggs", "amount too large"),
        ("60 kg flour", "amount too large"),
    ],
)
def test_amounts_out_of_bounds_are_reported_never_planned(line_parser, line: str, message: str) -> None:
    from grocery_scanner.ingest.lines import LineError
    from grocery_scanner.models import SourceRef

    with pytest.raises(LineError, match=message) as caught:
        line_parser.parse(line, SourceRef(source="list.txt", line=3))
    assert "list.txt:3" in str(caught.value)


def test_a_bullet_dash_is_not_a_minus(line_parser) -> None:
    from grocery_scanner.models import SourceRef

    assert line_parser.parse("- 3 cups flour", SourceRef(source="t"))[0].quantity.amount > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"recipes": "x"}', "'recipes' must be a list"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"title": "t", "servings": 1e9, "ingredients": ["1 cup milk"]}', "servings 1000000000.0 is more than 1,000"),
    ],
)
def test_json_shapes_and_bounds_are_checked(text: str, message: str) -> None:
    from grocery_scanner.errors import UserInputError
    from grocery_scanner.ingest.readers import read_json

    with pytest.raises(UserInputError, match=message):
        read_json(text, "recipes.json", "t")


@pytest.mark.parametrize(
    ("line", "name", "alternatives"),
    [
        ("3 tbsp ghee or unsalted butter", "ghee", ("unsalted butter",)),
        ("1/3 cup buttermilk (or whole milk)", "buttermilk", ("whole milk",)),
        ("1 tsp dried fenugreek leaves (kasuri methi)", "dried fenugreek leaves", ()),
    ],
)
def test_an_alternative_is_one_thing_to_buy_and_a_gloss_is_not_the_name(
    line_parser: LineParser, line: str, name: str, alternatives: tuple[str, ...]
) -> None:
    ingredient = _one(line_parser, line)
    assert (ingredient.name.lower(), ingredient.alternatives) == (name, alternatives)


def test_both_of_salt_and_pepper_are_named(line_parser: LineParser) -> None:
    names = [i.name for i in line_parser.parse("salt and pepper", SourceRef(source="t"))]
    assert names == ["salt", "pepper"]
