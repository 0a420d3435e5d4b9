"""Reading a product name the way a shopper does: which foods it names, in which form, in which aisle.

A store's name for a product is more than its words. "Butter Lettuce" names two foods, so it is not
butter; "Tuna Lemon & Ginger" is tuna with a flavour, not ginger; "Sliced Carrots" in the Canned aisle
are canned carrots. The vocabulary for this is in lexicon.yaml.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from grocery_scanner.text import words

PREPARED = "prepared"
INFLECTIONS = frozenset({"ed", "ing", "er", "y", "ly", "ery", "ie", "ies", "s", "es", "able"})


@dataclass(frozen=True)
class Lexicon:
    foods: frozenset[str]
    groups: dict[str, frozenset[str]]  # a food, or a department's word for a kind of food -> its groups
    spices: frozenset[str]  # always sold dry
    herbs: frozenset[str]  # fresh, or dried for a spoonful
    form_of: dict[str, str]  # form word -> its form ("tinned" -> "canned")
    cut_of: dict[str, str]  # cut word -> its cut ("diced" -> "chopped")
    home_cuts: frozenset[str]  # cuts a cook makes from a whole one
    origins: frozenset[str]  # capitalised words naming a kind of food, not a brand
    companions: dict[str, frozenset[str]]  # ingredient word -> words a product may add for it
    brand_forms: dict[tuple[str, ...], str]  # brand words -> the one form it sells
    packing: frozenset[str]
    poured: frozenset[str]  # liquids: sold by weight, they are a powder or a concentrate
    cuts: frozenset[str]  # parts of an animal or a fish, never the head of what is bought
    usual_colours: dict[str, frozenset[str]]  # the colours a food is when a recipe names none
    kinds_apart: dict[str, frozenset[str]]  # words making another kind of a food ("raw" sugar)
    varieties: dict[str, frozenset[str]]  # a food's named varieties: one asked for refuses another
    variety_of: dict[str, str]  # a variety that is one of another ("sushi" rice is short-grain)
    least_raw_pack_g: dict[str, float]  # below this a pack of the food is ready to eat
    aisle_generic: frozenset[str]
    aisles: dict[str, str]  # department word -> form, or PREPARED

    @classmethod
    @cache
    def load(cls) -> Lexicon:
        data = yaml.safe_load(resources.files(__package__).joinpath("lexicon.yaml").read_text("utf-8"))
        members = {group: frozenset(words(text)) for group, text in data["foods"].items()}
        foods = frozenset().union(*members.values())
        groups = {f: frozenset(g for g, inside in members.items() if f in inside) for f in foods}
        groups |= {words(kind)[0]: frozenset({group}) for kind, group in data["aisle_kinds"].items()}
        form_of = {w: form for form, text in data["forms"].items() for w in words(text)}
        cut_of = {w: cut for cut, text in data["bought_cuts"].items() for w in words(text)}
        aisles = {words(key)[0]: value for key, value in data["aisles"].items()}
        companions: dict[str, set[str]] = {}
        for companion, text in data["companions"].items():
            for word in words(text):
                companions.setdefault(word, set()).add(words(companion)[0])
        return cls(
            foods=foods,
            groups=groups,
            spices=members["spices"],
            herbs=members["herbs"],
            form_of=form_of,
            cut_of=cut_of,
            home_cuts=frozenset(words(data["home_cuts"])),
            origins=frozenset(words(data["origins"])),
            companions={word: frozenset(extra) for word, extra in companions.items()},
            packing=frozenset(words(data["packing"])),
            poured=frozenset(words(data["poured"])),
            cuts=frozenset(words(data["cuts"])),
            usual_colours={words(f)[0]: frozenset(words(c)) for f, c in data["usual_colours"].items()},
            kinds_apart={words(f)[0]: frozenset(words(k)) for f, k in data["kinds_apart"].items()},
            varieties={words(f)[0]: frozenset(words(k)) for f, k in data["varieties"].items()},
            variety_of={words(v)[0]: words(of)[0] for v, of in data["variety_of"].items()},
            least_raw_pack_g={words(f)[0]: float(g) for f, g in data["least_raw_pack_g"].items()},
            aisle_generic=frozenset(words(data["aisle_generic"])),
            brand_forms={tuple(words(b)): form for form, brands in data["brand_forms"].items() for b in brands},
            aisles=aisles,
        )

    def inside(self, word: str) -> bool:
        """Whether an unknown long word is a compound of a food ("Crackerthins", "Applesauce")."""
        return len(word) >= 6 and _compound(word, self.foods)

    def kinds(self, word: str) -> frozenset[str]:
        """The kinds of food a word names; herbs count as produce."""
        kinds = self.groups.get(word, frozenset())
        return kinds | {"produce"} if "herbs" in kinds else kinds


@cache
def _compound(word: str, foods: frozenset[str]) -> bool:
    for food in foods:
        if len(food) >= 5 and food in word:
            # an inflection of the food ("toasted", "buttery") is not another food
            return not (word.startswith(food) and word[len(food) :] in INFLECTIONS)
    return False


@dataclass(frozen=True)
class ProductName:
    words: tuple[str, ...]
    foods: frozenset[str]  # the foods the name mentions
    packed_in: frozenset[str]  # what it is packed in ("in oil", "in water"): not part of what it is
    forms: dict[str, tuple[str | None, str]]  # form -> (the word saying so, if in the name; the evidence)
    prepared_aisle: str | None  # the department, when it sells prepared food (meals, snacks, drinks)
    aisle_words: frozenset[str]
    aisle_foods: frozenset[str]  # the foods or kinds the department is named after ("Milk & Cream")


def read_name(name_words: list[str], department: str | None, brand: str | None = None) -> ProductName:
    lexicon = Lexicon.load()
    forms: dict[str, tuple[str | None, str]] = {
        lexicon.form_of[w]: (w, f"'{w}' in the name") for w in name_words if w in lexicon.form_of
    }
    # brands that sell only one form: McCain is frozen, Edgell tinned
    brand_words = words(brand) if brand else name_words[:2]
    for maker, form in lexicon.brand_forms.items():
        if brand_words[: len(maker)] == list(maker):
            forms.setdefault(form, (None, f"a {' '.join(maker)} product"))
    aisle = [w for w in words(department or "") if w not in lexicon.aisle_generic and w != "and"]
    prepared = None
    kinds = [lexicon.aisles.get(word) for word in aisle]
    for kind in kinds:
        if kind == PREPARED:
            prepared = department
        elif kind and not (kind == "fresh" and "spice" in kinds):  # "Herbs & Spices" sells them dried
            forms.setdefault(kind, (None, f"aisle {department}"))
    packed_in = frozenset(w for before, w in itertools.pairwise(name_words) if before == "in" and w in lexicon.packing)
    return ProductName(
        words=tuple(name_words),
        foods=frozenset(w for w in name_words if w in lexicon.foods or lexicon.inside(w)) - packed_in,
        packed_in=packed_in,
        forms=forms,
        prepared_aisle=prepared,
        aisle_words=frozenset(aisle),
        aisle_foods=frozenset(w for w in aisle if w in lexicon.groups and w not in lexicon.aisles),
    )
