"""Recipe amounts to base units (g, ml, count), and conversions between them.

Volume and mass convert through a density table of common ingredients; counts ("3 eggs",
"2 cloves garlic", "1 onion") through typical item weights. Both tables are looked up by the
longest key contained in the ingredient's name.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pint

from grocery_scanner.models import Quantity, Unit

# grams per millilitre
DENSITY_G_PER_ML: dict[str, float] = {
    "flour": 0.53,
    "all-purpose flour": 0.53,
    "whole wheat flour": 0.51,
    "bread flour": 0.54,
    "cornstarch": 0.54,
    "sugar": 0.85,
    "white sugar": 0.85,
    "granulated sugar": 0.85,
    "brown sugar": 0.93,
    "icing sugar": 0.51,
    "powdered sugar": 0.51,
    "confectioners sugar": 0.51,
    "butter": 0.96,
    "margarine": 0.96,
    "rice": 0.78,
    "quinoa": 0.72,
    "lentil": 0.8,
    "oat": 0.38,
    "rolled oat": 0.38,
    "milk": 1.03,
    "buttermilk": 1.03,
    "cream": 1.0,
    "yogurt": 1.03,
    "sour cream": 1.0,
    "water": 1.0,
    "oil": 0.92,
    "olive oil": 0.91,
    "honey": 1.42,
    "maple syrup": 1.32,
    "syrup": 1.33,
    "molasses": 1.4,
    "cheese": 0.45,
    "cheddar": 0.45,
    "mozzarella": 0.45,
    "parmesan": 0.42,
    "feta": 0.6,
    "cream cheese": 0.96,
    "cocoa": 0.42,
    "chocolate chip": 0.72,
    "peanut butter": 1.08,
    "jam": 1.3,
    "ketchup": 1.1,
    "mayonnaise": 0.91,
    "salt": 1.2,
    "kosher salt": 0.6,
    "sea salt": 1.1,
    "baking powder": 0.9,
    "baking soda": 1.0,
    "yeast": 0.6,
    "pepper": 0.5,
    "cinnamon": 0.56,
    "cumin": 0.5,
    "paprika": 0.46,
    "chili powder": 0.54,
    "curry powder": 0.45,
    "garlic powder": 0.65,
    "onion powder": 0.6,
    "ginger": 0.5,
    "nutmeg": 0.5,
    "turmeric": 0.6,
    "oregano": 0.2,
    "basil": 0.2,
    "thyme": 0.25,
    "red pepper flake": 0.4,
    "breadcrumb": 0.45,
    "panko": 0.21,
    "nut": 0.55,
    "almond": 0.6,
    "walnut": 0.5,
    "pecan": 0.45,
    "raisin": 0.65,
    "coconut": 0.35,
    "sesame seed": 0.6,
    "pea": 0.6,
    "corn": 0.65,
    "spinach": 0.12,
    "mushroom": 0.3,
    "onion": 0.67,
    "tomato": 0.75,
    "carrot": 0.55,
    "celery": 0.5,
    "bell pepper": 0.55,
    "broccoli": 0.38,
    "cilantro": 0.07,
    "parsley": 0.13,
    "berry": 0.6,
    "strawberr": 0.63,
    "blueberr": 0.62,
    "bean": 0.75,
    "chickpea": 0.7,
    "pasta": 0.42,
    "macaroni": 0.45,
    "tahini": 1.0,
    "hummus": 1.0,
    "pesto": 1.0,
    "salsa": 1.05,
    "soy sauce": 1.15,
    "vinegar": 1.01,
}

# grams per item when a recipe counts what a store sells by weight (or the other way round)
ITEM_WEIGHT_G: dict[str, float] = {
    "egg": 50,
    "onion": 200,
    "red onion": 220,
    "yellow onion": 200,
    "shallot": 40,
    "green onion": 15,
    "garlic": 50,
    "garlic bulb": 50,
    "lemon": 100,
    "lime": 65,
    "orange": 200,
    "apple": 180,
    "banana": 120,
    "potato": 220,
    "sweet potato": 350,
    "carrot": 70,
    "celery": 450,
    "tomato": 120,
    "roma tomato": 100,
    "cherry tomato": 15,
    "bell pepper": 180,
    "pepper": 180,
    "jalapeno": 30,
    "jalapeño": 30,
    "zucchini": 250,
    "cucumber": 300,
    "avocado": 170,
    "chicken breast": 250,
    "chicken thigh": 120,
    "drumstick": 110,
    "mushroom": 18,
    "broccoli": 350,
    "cauliflower": 600,
    "lettuce": 500,
    "cabbage": 900,
    "eggplant": 450,
    "ginger": 60,
    "cilantro": 60,
    "parsley": 60,
    "basil": 30,
    "spinach": 300,
    "pork chop": 200,
    "salmon fillet": 150,
    "sausage": 100,
    "tortilla": 40,
    "bun": 60,
    "bagel": 100,
    "pita": 70,
}

# a store's "1 each" of these is a bunch holding several of what recipes count
ITEMS_PER_BUNCH: dict[str, float] = {"green onion": 8, "celery": 8, "radish": 10, "kale": 6, "asparagus": 12}
# units that count parts of an item, in grams
PART_WEIGHT_G: dict[str, float] = {"clove": 5, "stalk": 50, "rib": 50, "sprig": 1, "leaf": 0.5, "slice": 25}
# units that count whole packages of any size
PACKAGE_UNITS = {
    "can",
    "tin",
    "jar",
    "package",
    "packet",
    "pkg",
    "bottle",
    "box",
    "bag",
    "carton",
    "container",
    "pack",
    "block",
    "tub",
}
# units that count whole items
ITEM_UNITS = {
    "",
    "each",
    "ea",
    "piece",
    "whole",
    "head",
    "bunch",
    "large",
    "medium",
    "small",
    "fillet",
    "breast",
    "loaf",
}
FIXED_UNITS_G = {"stick": 113.0, "knob": 15.0}
FIXED_UNITS_ML = {"pinch": 0.3, "dash": 0.6, "drop": 0.05, "splash": 5.0, "handful": 60.0}


def lookup(table: dict[str, float], name: str) -> float | None:
    """The entry whose key is the longest one contained in `name` (singular, lowercase)."""
    text = name.lower()
    keys = [k for k in table if k in text]
    return table[max(keys, key=len)] if keys else None


def to_base(amount: Fraction | float, unit: Any, name: str) -> tuple[Quantity | None, bool, str | None]:
    """(quantity in base units, counts whole packages, warning) for an amount of `unit` of `name`."""
    value = float(amount)
    if value <= 0:
        return None, False, f"amount {value:g} is not positive"
    unit_text = str(unit).strip().lower() if unit is not None else ""
    singular = unit_text.rstrip("s") if unit_text not in ("", "ea") else unit_text
    if singular.endswith("che"):  # pinches, bunches
        singular = singular[:-2]
    # kitchen words first: pint also knows "bag" (94 lb of cement) and would believe it
    kitchen = FIXED_UNITS_G.keys() | FIXED_UNITS_ML.keys() | PART_WEIGHT_G.keys() | PACKAGE_UNITS | ITEM_UNITS
    if isinstance(unit, pint.Unit) and singular not in kitchen:
        q = value * unit  # in the parser's own unit registry: building a second one costs 0.3 s
        if q.check("[mass]"):
            return Quantity(amount=round(q.to("gram").magnitude, 3), unit=Unit.G), False, None
        if q.check("[volume]"):
            return Quantity(amount=round(q.to("milliliter").magnitude, 3), unit=Unit.ML), False, None
    if singular in FIXED_UNITS_G:
        return Quantity(amount=value * FIXED_UNITS_G[singular], unit=Unit.G), False, None
    if singular in FIXED_UNITS_ML:
        return Quantity(amount=value * FIXED_UNITS_ML[singular], unit=Unit.ML), False, None
    if singular in PART_WEIGHT_G:
        return Quantity(amount=value * PART_WEIGHT_G[singular], unit=Unit.G), False, None
    if singular in PACKAGE_UNITS:
        return Quantity(amount=value, unit=Unit.EA), True, None
    if singular in ITEM_UNITS:
        return Quantity(amount=value, unit=Unit.EA), False, None
    return Quantity(amount=value, unit=Unit.EA), False, f"unknown unit '{unit_text}': counted as {value:g} item(s)"


def convert(quantity: Quantity, target: Unit, name: str) -> Quantity | None:
    """`quantity` of `name` in `target` units, through density or item weight; None if unknown."""
    if quantity.unit is target:
        return quantity
    grams: float | None = None
    if quantity.unit is Unit.G:
        grams = quantity.amount
    elif quantity.unit is Unit.ML:
        density = lookup(DENSITY_G_PER_ML, name)
        grams = quantity.amount * density if density else None
    elif quantity.unit is Unit.EA:
        weight = lookup(ITEM_WEIGHT_G, name)
        grams = quantity.amount * weight if weight else None
    if grams is None:
        return None
    if target is Unit.G:
        return Quantity(amount=round(grams, 3), unit=Unit.G)
    if target is Unit.ML:
        density = lookup(DENSITY_G_PER_ML, name)
        return Quantity(amount=round(grams / density, 3), unit=Unit.ML) if density else None
    weight = lookup(ITEM_WEIGHT_G, name)
    return Quantity(amount=round(grams / weight, 3), unit=Unit.EA) if weight else None
