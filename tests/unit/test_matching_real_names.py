"""Matching on real product names and aisles, read in place from ../shared/catalogs/.

Each class of wrong buy seen on real catalogs has cases here: the ingredient as a flavour or a
component of another product, the ingredient word as a modifier in a compound name, the wrong form
for the recipe line, and harmless words that must not block a match.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from grocery_scanner.ingest.recipes import shopping_needs
from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.models import Offer, Product, Recipe, SourceRef
from grocery_scanner.models.match import MatchStatus
from grocery_scanner.simulator.assortment import SHARED_CATALOGS, load_assortment

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = Path(os.environ.get("GROCERY_CATALOGS_DIR", ROOT.parent / "shared" / "catalogs"))
MATCHER = Matcher()


def real_offer(catalog: str, name: str, department: str | None = None, size: str | None = None) -> Offer:
    """The catalog's product of that name (in that aisle, of that size, when given), as an offer."""
    path = CATALOGS / SHARED_CATALOGS[catalog]
    if not path.is_file():
        pytest.skip(f"real catalogs not found at {CATALOGS} (set GROCERY_CATALOGS_DIR)")
    found = [
        p
        for p in load_assortment(path)
        if p.name == name and department in (None, p.department) and size in (None, str(p.size))
    ]
    assert found, f"{name!r} is not in the {catalog} catalog"
    p = found[0]
    product = Product(store_id=catalog, sku=p.key, name=p.name, department=p.department or None, size=p.size)
    return Offer(product=product, price=Decimal("3.99"), source_format="csv", collection_method="t", confidence=0.95)


def verdict(line_parser, line: str, catalog: str, name: str, department: str | None = None):
    recipe = Recipe(title="t", source="t", ingredients=line_parser.parse(line, SourceRef(source="t")))
    need = shopping_needs([recipe], MATCHER.need_key)[0]
    return MATCHER.match(need, [real_offer(catalog, name, department)])


REFUSED = [
    # the ingredient is a flavour or a component of another product
    ("1 tbsp fresh ginger, grated", "superstore", "Lemon & Ginger Tea", "flavour"),
    ("2 cloves garlic, minced", "superstore", "Garlic Parmesan Green Beans", "flavour"),
    ("1 lb green beans, trimmed", "superstore", "Garlic Parmesan Green Beans", "flavour"),
    ("2 cloves garlic, minced", "superstore", "Herb & Garlic Dip", "flavour"),
    ("2 lb potatoes", "superstore", "Perogies, Potato and Cheddar Flavour", "flavour"),
    ("2 tbsp butter", "woolworths", "Flora With Butter Spreadable 450g", "added"),
    # the ingredient word is a modifier in a compound name
    ("2 tbsp butter", "superstore", "Butter Chicken", "flavour"),
    ("2 tbsp butter", "superstore", "Butter Beans", "flavour"),
    ("2 tbsp butter", "woolworths", "Woolworths Lettuce Butter 170g", "flavour"),
    ("2 limes", "superstore", "100% Pure Lime Juice", "juice"),
    ("3 very ripe bananas", "superstore", "Banana", "Milk & Cream"),
    # the wrong form for the recipe line
    ("3 carrots, peeled and sliced", "superstore", "Sliced Carrots", "canned"),
    ("2 cups jasmine rice", "woolworths", "Sunrice Microwave Jasmine Rice Pouch 250g", "cooked"),
    ("4 salmon fillets", "superstore", "Pink Salmon", "canned"),
    ("1 onion, diced", "coles", "Coles Brown Onion Shallots Loose approx. 35g each", "flavour"),
    ("1 tbsp fresh ginger, grated", "superstore", "Ginger", "Beverages"),
    ("2 (6.5 oz) cans chopped clams", "superstore", "Live Manila Clams", "fresh"),
    # a cut the line names: nuts are sold whole unless the name says so; another cut is another product
    ("1/3 cup (45g) slivered almonds, toasted", "coles", "Coles Natural Almonds 350g", "whole"),
    ("2 cups shredded Monterey Jack cheese", "superstore", "Monterey Jack Sliced Cheese", "sliced"),
    # substitutes and sweets named after the ingredient
    ("1/2 cup milk", "woolworths", "Vamino Soy Milk 300mL", "flavour"),
    ("40g butter", "coles", "Butter Menthol Gummies 70g", "flavour"),
    ("40g butter", "coles", "Coles Butter Leaf Blend 120g", "butter leaf"),
    # fresh herbs for a dried-herb line
    ("1 tsp dried oregano", "superstore", "Oregano", "fresh"),
    # another kind of the food, or a product without it
    ("1 tsp sugar", "superstore", "Raw Sugar", "another kind"),
    ("1 tbsp caster sugar", "coles", "CSR Raw Caster Sugar 750g", "another kind"),
    ("1 tsp sugar", "superstore", "Zero Sugar", "without sugar"),
    ("2 lb boneless pork shoulder, cut into chunks", "superstore", "Pork Picnic Shoulder", "another kind"),
    ("2 thick slices white bread", "woolworths", "Nana Premium Lebanese Bread White 500g", "another kind"),
    # a grain length the line names
    ("2 cups (400g) medium-grain white rice", "woolworths", "Sunrice White Rice Premium Long Grain 1kg", "longgrain"),
    # another kind, a dried form, a dish, a flavour blend, a leaf named after a dish
    ("1 onion, cut into wedges", "coles", "Coles Spring Onions 1 Bunch", "another kind"),
    ("2 tbsp coconut oil", "woolworths", "Raw C Liquid Coconut MCT Oil 250mL", "another kind"),
    ("1 onion, cut into wedges", "coles", "MasterFoods Onion Flakes 100g", "dried"),
    ("1 onion, cut into wedges", "coles", "Haldirams Onion Bhaji 283g", "flavour"),
    ("1 tbsp lime juice", "woolworths", "Impressed Pine Lime Juice 1L", "flavour"),
    ("10 fresh curry leaves", "woolworths", "Hart & Soul Panang Curry 250g", "curry leaf"),
    # another named variety; a ready-to-eat pouch of a grain; a lower fat level; a plant in the fruit aisle
    ("2 cups short-grain white rice", "superstore", "Jasmine Rice, White", "another variety"),
    ("2 cups jasmine rice, to serve", "woolworths", "Woolworths Family Size Jasmine Rice 450g", "ready-to-eat"),
    ("1 cup plain whole-milk yogurt", "superstore", "No Fat Yogurt-Plain", "no fat"),
    ("1 tsp sugar", "superstore", "Sugar Cane", "a plant"),
    ("4 slices leg ham", "coles", "Plumrose Leg Ham 340g", "canned"),
    ("1 cup plain yogurt", "superstore", "Plain Greek Yogurt", "another kind"),
]


# products whose name the catalog uses in several aisles
AISLES = {"Ginger": "Beverages", "Banana": "Milk & Cream", "Pink Salmon": "Canned & Pickled", "Oregano": "Herbs"}


@pytest.mark.parametrize(("line", "catalog", "name", "why"), REFUSED)
def test_look_alike_is_refused_with_its_reason(line_parser, line: str, catalog: str, name: str, why: str) -> None:
    department = AISLES.get(name)
    result = verdict(line_parser, line, catalog, name, department)
    assert result.status is not MatchStatus.MATCHED
    assert [r.product for r in result.rejected] == [name]
    assert why in result.rejected[0].reason


BOUGHT = [
    ("3 very ripe bananas", "superstore", "Bananas, Bunch"),
    ("1 tbsp fresh ginger, grated", "superstore", "Ginger", "Fresh Vegetables"),
    ("3 carrots, peeled and sliced", "superstore", "Carrots"),
    ("2 tbsp butter", "superstore", "Salted Butter"),
    ("2 cups jasmine rice", "superstore", "Jasmine Rice"),
    ("4 salmon fillets", "superstore", "Atlantic Salmon Fillets"),
    ("1 nice big onion, diced", "woolworths", "Onion Brown each"),
    ("500g beef mince", "woolworths", "Woolworths Beef Mince 500g"),
    ("2 cups plain flour", "coles", "The Kind Harvest Plain Flour 2kg"),
    ("1 tsp paprika", "superstore", "Paprika", "Spices & Seasonings"),
    ("1 cup plain whole-milk yogurt", "superstore", "Plain 3% M.F. Yogurt"),
    ("2 cups short-grain white rice", "superstore", "Organic California White Sushi Rice"),
    ("1/2 cup plain Greek yoghurt", "woolworths", "Woolworths Greek Style Yoghurt 2kg"),
    ("1 tsp Kashmiri chili powder (or paprika)", "superstore", "Kashmiri Style Red Chilli Powder"),
    ("120g mixed salad leaves, to serve", "coles", "Coles 4 Leaf Salad Mix 120g"),
    ("1 (14 oz) can chickpeas, drained", "superstore", "Chickpeas", "Canned & Pickled"),
    ("1/3 cup (45g) slivered almonds, toasted", "coles", "Coles Slivered Almond 150g"),
    ("1 cup (120g) walnuts, chopped", "woolworths", "Macro Australian Walnuts 250g"),
    ("1/4 tsp ground white pepper", "woolworths", "McKenzie's Ground White Pepper 50g"),
    ("1 large eggplant, cubed", "superstore", "Purple Eggplants"),
    ("1 tsp sugar", "superstore", "Granulated White Sugar"),
    ("3/4 cup raw sugar", "coles", "CSR Raw Sugar 1kg"),
    ("2 lb boneless pork shoulder, cut into chunks", "superstore", "Free From Pork Shoulder, Tray Pack"),
    ("2 thick slices white bread", "woolworths", "Woolworths White Soft Hi-Fibre Bread 700g"),
    ("1 onion, cut into wedges", "coles", "Coles Brown Onions 1kg"),
    ("2 tbsp coconut oil", "woolworths", "Raw C Organic Coconut Oil 500mL"),
    ("1 tbsp lime juice", "woolworths", "Woolworths Australian Lime Juice Pouch 250mL"),
]


@pytest.mark.parametrize("case", BOUGHT, ids=[c[0] for c in BOUGHT])
def test_the_real_product_is_bought(line_parser, case: tuple[str, ...]) -> None:
    line, catalog, name, *department = case
    result = verdict(line_parser, line, catalog, name, *department)
    assert result.status is MatchStatus.MATCHED, result.rejected or result.candidates


def test_a_tub_is_bought_before_single_serve_cups(line_parser) -> None:
    recipe = Recipe(
        title="t", source="t", ingredients=line_parser.parse("Greek-style yoghurt, to serve", SourceRef(source="t"))
    )
    need = shopping_needs([recipe], MATCHER.need_key)[0]
    cups = real_offer("coles", "Coles Greek Style Yoghurt 6 Pack 750g")
    tub = real_offer("coles", "Tamar Valley Greek Style Yoghurt 500g")
    result = MATCHER.match(need, [cups, tub])
    assert result.options[0].offer.product.name == tub.product.name
    assert all(o.offer.product.name != cups.product.name for o in result.options)  # out of the band


def test_a_liquid_sold_by_weight_is_a_powder_not_what_the_line_pours(line_parser) -> None:
    recipe = Recipe(title="t", source="t", ingredients=line_parser.parse("6 cups chicken broth", SourceRef(source="t")))
    need = shopping_needs([recipe], MATCHER.need_key)[0]
    jar = real_offer("superstore", "Chicken Broth", size="150 g")
    carton = real_offer("superstore", "Chicken Broth", size="900 ml")
    result = MATCHER.match(need, [jar, carton])
    assert result.status is MatchStatus.MATCHED
    assert [o.offer.product.size for o in result.options] == [carton.product.size]
    assert [r.reason for r in result.rejected if "sold by weight" in r.reason]
