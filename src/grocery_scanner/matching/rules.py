"""Grocery vocabulary that decides whether a product really is an ingredient.

A wrong match costs a dinner, so these rules veto rather than nudge: a product whose form
differs (garlic vs garlic powder), whose exclusive variant differs (salted vs unsalted), or that
lacks the ingredient's head noun is never a match, whatever its string similarity.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grocery_scanner.errors import UserInputError
from grocery_scanner.settings import config_dir
from grocery_scanner.text import words

# words that make a different product when only one side has them
FORM_WORDS = frozenset(
    """powder dried frozen canned condensed evaporated sauce paste juice extract flavour flavor flavoured
    flavored syrup cube bouillon broth stock soup chip bar oil vinegar milk butter cream cheese beverage
    mix seasoning chocolate smoked instant quick steel artificial imitation stick seed noodle bread pie
    pizza ice crumb breadcrumb panko cracker shell spread jam jelly cereal granola pesto hummus salsa
    ketchup mayonnaise dressing vanilla strawberry banana honey maple coconut almond peanut curry taco
    ramen pastry fries muffin bagel bun croissant tortilla pita naan baguette mustard buttermilk yogurt
    sour tea coffee soda water wing strip nugget sausage bacon ham jerky ground diced crushed peppercorn roasted
    icing""".split()
)
# mutually exclusive variants: a product may not carry a different member than the ingredient asks for
EXCLUSIVE_GROUPS = [
    frozenset({"salted", "unsalted"}),
    frozenset({"sweetened", "unsweetened"}),
    frozenset({"boneless", "bone"}),  # "bone-in" splits into bone, in
    frozenset({"skinless", "skin"}),
    frozenset({"skim", "1%", "2%", "3.25%"}),
    frozenset({"red", "green", "yellow", "white", "brown", "golden", "black", "orange", "purple"}),
    frozenset({"smooth", "crunchy"}),
    frozenset({"mild", "medium", "hot", "old", "sharp", "extra"}),
    frozenset({"dijon", "yellow"}),
    frozenset({"firm", "silken", "soft"}),
    frozenset({"longgrain", "mediumgrain", "shortgrain"}),  # joined by the scorer from "long grain"
]
# two-word products that are not their second word ("green onion" is not an onion)
PHRASE_FORMS = (
    "egg white",
    "egg yolk",
    "green onion",
    "sweet potato",
    "bell pepper",
    "cherry tomato",
    "cooking wine",
    "butter leaf",  # a lettuce
)
# ingredients named by a phrase whose first word alone is another product ("curry leaves" are not curry)
LEAF_PHRASES = ("curry leaf", "lime leaf", "banana leaf")
# product words that change nothing a recipe cares about
NEUTRAL_WORDS = frozenset(
    """a and or of in with the pure real classic original plain natural fresh large regular value pack
    family size premium select choice grade no. 1 product partly skimmed fine filtered microfiltered
    style homestyle rigate pasta leaves leaf bag bulbs bulb stalks crowns root heart hearts granulated
    prepared grain not from concentrate halves sliced shredded grated raw chunk liquid
    active dry semi-sweet seedless navel roma vine italian bell hass full fat sheets deep dish kernel
    cut straight tray approx each bunch punnet punnets loose sleeved herb m.f mf""".split()
)
COLOURS = frozenset({"red", "green", "yellow", "white", "brown", "golden", "black", "orange", "purple"})
# soft preferences: a variant the recipe did not ask for is acceptable but second choice
SOFT_WORDS = {
    "sweet": 0.15,
    "snacking": 0.15,
    "gluten": 0.15,
    "mini": 0.15,
    "baby": 0.15,
    "light": 0.12,
    "organic": 0.05,
    "lactose-free": 0.15,
    "lactose": 0.15,
    "low": 0.1,
    "sodium": 0.05,
}
# words that describe preparation or the cook's wishes, not the product to buy: never a reason to refuse
PREPARATION_WORDS = frozenset(
    """very nice good quality best really jumbo big little approximately approx needed favourite favorite
    homemade store bought
    chopped diced minced sliced grated shredded crushed peeled cubed melted softened beaten divided
    packed sifted rinsed drained trimmed halved quartered julienned torn cooked uncooked room
    temperature cold warm hot thinly finely roughly coarsely freshly lightly large small medium fresh
    ripe juice zest of to taste optional for serving garnish about inch piece pieces whole floret stem
    tip wedge ring strip""".split()
)
GROUND_BY_DEFAULT = frozenset(
    {"cinnamon", "cumin", "nutmeg", "turmeric", "allspice", "cardamom", "clove", "coriander", "pepper", "ginger"}
)
# a spoonful or less of these is the ground spice unless the line says fresh
_SPACES = re.compile(r"\s+")
# a clause after a comma that describes the ingredient rather than names it
_CLAUSE = re.compile(r",\s*(?:with|such as|for|to|or|plus|about|at)\b", re.I)


class MatchRulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    equivalent: list[list[str]] = Field(default_factory=list)
    never_brands: list[str] = Field(default_factory=list)
    prefer_brands: list[str] = Field(default_factory=list)


@dataclass
class MatchRules:
    """Equivalences and brand rules, from the bundled file plus the user's own."""

    synonyms: dict[str, str] = field(default_factory=dict)
    never_brands: frozenset[str] = frozenset()
    prefer_brands: frozenset[str] = frozenset()
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, user_file: Path | None = None) -> MatchRules:
        files = [config_dir() / "equivalences.yaml", *([user_file] if user_file else [])]
        rules = cls()
        for path in files:
            try:
                data = MatchRulesFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
            except FileNotFoundError:
                raise UserInputError(f"{path}: no such rules file") from None
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise UserInputError(f"{path}: not readable YAML ({' '.join(str(exc).split())})") from None
            except ValidationError as exc:
                first = exc.errors()[0]
                raise UserInputError(f"{path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
            for group in data.equivalent:
                canonical = normalise(group[0])
                for name in group:  # the canonical name too, so a longer name wins over its tail
                    rules.synonyms[normalise(name)] = canonical
            rules.never_brands |= {b.lower() for b in data.never_brands}
            rules.prefer_brands |= {b.lower() for b in data.prefer_brands}
        return rules

    def canonical(self, name: str) -> str:
        """An ingredient name whose head phrase, when a synonym, is replaced by its group's first name.

        Only the head counts: "whole milk" is 3.25% milk, "whole milk ricotta" is ricotta.

        Only ingredient names are rewritten: rewriting product names would let "Roasted Red Peppers"
        pass for a bell pepper.
        """
        text = normalise(_CLAUSE.split(name)[0])  # "diced tomatoes, with juices" are diced tomatoes
        # trailing words that change nothing ("flat leaf parsley leaves") do not hide the head phrase
        tail: list[str] = []
        while text and text.split()[-1] in NEUTRAL_WORDS and " " in text:
            head_text, _, last = text.rpartition(" ")
            tail.insert(0, last)
            text = head_text
        if self._pattern is None:
            phrases = sorted(self.synonyms, key=len, reverse=True)
            self._pattern = re.compile(r"(?<!\S)(" + "|".join(map(re.escape, phrases)) + r")$") if phrases else None
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self.synonyms[m.group(1)], text)
        return " ".join([text, *tail])


def normalise(text: str) -> str:
    return _SPACES.sub(" ", " ".join(words(text))).strip()


def exclusive_conflict(wanted: Set[str], offered: Set[str]) -> str | None:
    """The reason the product is a different variant, if it is one."""
    for group in EXCLUSIVE_GROUPS:
        asked, got = wanted & group, offered & group
        if asked and got and not asked <= got:
            return f"{'/'.join(sorted(got))} is not {'/'.join(sorted(asked))}"
    return None
