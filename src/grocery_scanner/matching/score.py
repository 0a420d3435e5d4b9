"""How well one product matches one ingredient: a confidence in [0, 1] with its reasons."""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from grocery_scanner.matching.names import Lexicon, ProductName, read_name
from grocery_scanner.matching.rules import (
    COLOURS,
    EXCLUSIVE_GROUPS,
    FORM_WORDS,
    GROUND_BY_DEFAULT,
    LEAF_PHRASES,
    NEUTRAL_WORDS,
    PHRASE_FORMS,
    PREPARATION_WORDS,
    SOFT_WORDS,
    MatchRules,
    exclusive_conflict,
    normalise,
)
from grocery_scanner.models import Need, Product, Unit
from grocery_scanner.text import words

THRESHOLD = 0.6
LESSER_MISS = 0.1
MISSING_WORD = 0.4  # a word the recipe asked for that the product lacks ("greek", "whole wheat")
SIZE_WORDS = {"g", "kg", "ml", "l", "un", "lb", "oz", "ea", "x", "pk"}
_NUMERIC = re.compile(r"^[\d.]+(x[\d.]+)?(g|kg|ml|l|pk|ea|un|s)?$")  # "500", "4x113", "250g", "6pk"
# form words the parser may move from the name into the preparation ("freshly ground black pepper")
PRODUCT_FORMS_IN_LINE = {"ground", "dried", "frozen", "smoked"}
FRESH_HINTS = {"fresh", "grated", "minced", "chopped", "sliced", "peeled", "crushed", "inch", "knob"}
# forms a line may ask for that make a preserved produce product acceptable
PRESERVED_FORMS = frozenset({"canned", "frozen", "dried", "juice", "ground", "spice", "cooked"})
# forms a line can ask for by name: then no other of them will do
LINE_FORMS = frozenset({"canned", "frozen", "dried", "fresh"})
# words of a recipe line asking for a liquid in its dry form ("1 tbsp milk powder", "2 bouillon cubes")
DRY_FORMS = frozenset({"powder", "powdered", "cube", "granule", "concentrate", "concentrated", "paste", "base", "dry"})
# cut words on a fruit or vegetable sold outside a fresh aisle: jars, tins, freeze-dried tubs
PROCESSED_CUTS = frozenset({"minced", "crushed", "chopped", "sliced", "slice", "diced", "grated", "shredded"})
# what a word in the product name that the recipe did not ask for costs
PRODUCE_EXTRA = 0.1
OTHER_EXTRA = 0.05
# the kinds of food sold fresh, whose canned, frozen or dried form is another product
FRESH_KINDS = frozenset({"produce", "protein"})
# the kinds that are plain ingredients: never bought from an aisle of meals, snacks or drinks
INGREDIENT_KINDS = frozenset({"produce", "protein", "spices"})
# a line asking for a block, or grating it fresh, wants it whole
WHOLE_HINTS = frozenset({"block", "wedge", "chunk", "shaved"})
# what shows a herb is sold fresh (a bunch, a pot) rather than dried in a jar
FRESH_HERB_HINTS = frozenset(
    {"fresh", "bunch", "each", "ea", "punnet", "living", "pot", "herb", "vegetable", "produce"}
)
# product words that say the same as a recipe's ("Less Sodium Soy Sauce" is low-sodium)
PRODUCT_WORDS = {"less": "low", "reduced": "low", "lite": "light", "yoghurt": "yogurt"}
NEGATIONS = frozenset({"zero", "no", "without", "low"})  # before the ingredient: "Zero Sugar" is none
PRODUCT_PHRASES = {
    "whole grain": "wholegrain",
    "italian parsley": "flat leaf parsley",
    "continental parsley": "flat leaf parsley",
    "long grain": "longgrain",
    "medium grain": "mediumgrain",
    "short grain": "shortgrain",
    "salad mix": "mixed salad",  # a bag of leaves, not a mix to make a salad with
    "passion fruit": "passionfruit",
    # made from whole milk: the fat level of a dairy food, not milk to buy ("whole-milk yogurt"; yoghurt is
    # already yogurt here)
    "whole milk yogurt": "whole yogurt",
    "whole milk ricotta": "whole ricotta",
    "whole milk mozzarella": "whole mozzarella",
}
# a dairy food "made from whole milk" is full fat: a product naming less fat is another one
LOWER_FAT = frozenset({"skim", "skimmed", "nonfat", "fat-free", "light", "lite", "low"})
_FAT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
FULL_FAT_PERCENT = 3.0
# a pack of single-serve cups ("Greek Yoghurt 6 Pack 750g") is second choice to a tub of the same
SINGLE_SERVE = 0.2
SINGLE_SERVE_MAX = 250  # g or ml in one cup
_PACK_COUNT = re.compile(r"\b(\d+)\s*(?:pack|pk)\b", re.I)
# words of a recipe line that allow a packaged form: "1 (14 oz) can chickpeas", "a jar of salsa"
PACKAGE_FORMS = {"can": "canned", "tin": "canned", "jar": "canned", "carton": "canned"}


@dataclass(frozen=True)
class Target:
    """An ingredient prepared for matching: its canonical words, head noun and implied words."""

    name: str
    words: frozenset[str]
    content: tuple[str, ...]
    head: str
    allowed_forms: frozenset[str] = frozenset()
    forms: frozenset[str] = frozenset()  # the forms the ingredient or its line asks for or allows
    cut_by_cook: bool = False  # the line cuts it itself ("1 block feta", "freshly grated parmesan")
    named: frozenset[str] = frozenset()  # the words of its lines before a comma: "sliced mushrooms", not ", sliced"
    brand_words: frozenset[str] = frozenset()

    @classmethod
    def of(cls, need: Need, rules: MatchRules) -> Target:
        name = _same_words(rules.canonical(need.name))
        said = set(" ".join(need.lines).lower().replace(",", " ").split()) | set(words(" ".join(need.lines)))
        if "juice" in name.split() and said & {"fresh", "freshly", "squeezed"}:
            name = " ".join(w for w in name.split() if w != "juice")  # fresh lemon juice: buy lemons
        tokens = name.split()
        content = [t for t in tokens if t not in PREPARATION_WORDS or t in FORM_WORDS] or tokens
        implied: set[str] = set()
        if content[-1] in GROUND_BY_DEFAULT and _spoonful(need) and not said & FRESH_HINTS:
            implied.add("ground")
        # only forms the parser moved out of the name; a synonym may have dropped one on purpose
        implied |= (said & PRODUCT_FORMS_IN_LINE) - set(words(need.name))
        lexicon = Lexicon.load()
        # the head is what is bought: salmon for "salmon fillets", chicken for "chicken breast"
        nouns = [w for w in content if w not in NEUTRAL_WORDS]
        head = next((w for w in reversed(nouns) if w not in lexicon.cuts), nouns[-1] if nouns else content[-1])
        allowed = frozenset().union(*(lexicon.companions.get(w, frozenset()) for w in tokens))
        forms = {lexicon.form_of[w] for w in (said | set(tokens) | implied) if w in lexicon.form_of}
        forms |= {PACKAGE_FORMS[w] for w in said if w in PACKAGE_FORMS}
        # the spice aisle sells fresh produce and herbs only dried or ground; anything else as it is
        fresh_kind = lexicon.kinds(head) & {"produce"} and head not in lexicon.spices
        if not fresh_kind or forms & {"ground", "dried"}:
            forms |= {"spice", "dried"} if "ground" in forms else {"spice"}
        elif head in lexicon.herbs and _spoonful(need) and not said & FRESH_HINTS:
            forms |= {"spice", "dried"}
        # capitalised words inside a line ("3 tbsp Kikkoman soy sauce") name a brand
        capitalised = {normalise(w) for line in need.lines for w in line.split()[1:] if w[:1].isupper()}
        brand = frozenset(capitalised - lexicon.origins)
        return cls(
            name=name,
            words=frozenset(tokens) | implied,
            content=tuple(content),
            head=head,
            allowed_forms=allowed,
            forms=frozenset(forms),
            named=frozenset(w for line in need.lines for w in words(line.split(",")[0])),
            cut_by_cook=bool(said & WHOLE_HINTS or ("freshly" in said and said & {"grated", "shredded"})),
            brand_words=brand,
        )


def _same_words(name: str) -> str:
    """A normalised name with the words stores and recipes say differently made the same."""
    name = " ".join(PRODUCT_WORDS.get(w, w) for w in name.split())
    for phrase, same in PRODUCT_PHRASES.items():
        name = name.replace(phrase, same)
    return name


def _spoonful(need: Need) -> bool:
    q = need.quantity
    return q is None or (q.unit in (Unit.ML, Unit.G) and q.amount <= 30)


def _present(word: str, offered: Set[str]) -> bool:
    """Exact, or a likely typo of a long word ("chiken" for "chicken")."""
    if word in offered:
        return True
    return len(word) >= 5 and any(
        len(w) >= 5 and abs(len(w) - len(word)) <= 1 and fuzz.ratio(word, w) >= 85 for w in offered
    )


def _different_product(
    target: Target, reading: ProductName, department: str | None, volume: bool, grams: float | None
) -> str | None:
    """Why the product is another thing than the ingredient, as the name and the aisle tell it."""
    lexicon = Lexicon.load()
    varieties = lexicon.varieties.get(target.head, frozenset())  # "Sushi Rice" is rice, not sushi
    others = sorted(
        f
        for f in reading.foods - COLOURS - varieties
        if f not in target.words and f not in target.allowed_forms and not _present(f, target.words)
    )
    if others:
        return f"{target.head} is a flavour or a part of another product here ({', '.join(others)})"
    if "with" in reading.words and not any(
        _present(target.head, {w}) for w in reading.words[: reading.words.index("with")]
    ):
        return f"{target.head} is only added to this product ('with')"
    if without := _without(target.head, reading.words):
        return f"{without}: a product without {target.head}"
    if apart := sorted(lexicon.kinds_apart.get(target.head, frozenset()) & set(reading.words) - target.words):
        return f"{apart[0]} {target.head} is another kind of {target.head}: the recipe line does not name it"
    named_variety = varieties & target.words
    offered_variety = varieties & set(reading.words)
    if named_variety and offered_variety - named_variety and not named_variety <= offered_variety:
        other = sorted(offered_variety - named_variety)[0]
        return f"{other} {target.head} is another variety: the recipe line asks for {' '.join(sorted(named_variety))}"
    kinds = lexicon.kinds(target.head)
    own_aisle = reading.aisle_words & target.words or any(lexicon.kinds(f) & kinds for f in reading.aisle_foods)
    if reading.prepared_aisle and not own_aisle and kinds & INGREDIENT_KINDS:
        return f"sold in {reading.prepared_aisle}: a prepared product, not {target.name}"
    # an aisle named only after foods of another kind: "Banana" in Milk & Cream is banana milk
    if reading.aisle_foods and reading.aisle_foods == reading.aisle_words and not own_aisle and "produce" in kinds:
        return f"sold in {department}: not {target.name}"
    # a pantry staple in the fruit and vegetable aisles is the plant it comes from: "Sugar Cane" in Fresh Fruits
    produce_aisle = reading.aisle_foods and all(lexicon.kinds(f) == {"produce"} for f in reading.aisle_foods)
    if kinds == {"pantry"} and produce_aisle and not own_aisle:
        return f"sold in {department}: a plant, not {target.name}"
    if target.cut_by_cook and (cut := sorted(set(lexicon.cut_of) & set(reading.words))):
        return f"already {cut[0]}: the recipe line cuts it itself"
    if cut_refusal := _other_cut(target, reading, kinds):
        return cut_refusal
    asked = target.forms & LINE_FORMS
    named = {form for form, (word, _) in reading.forms.items() if word is not None}
    for form, (word, evidence) in reading.forms.items():
        if word is None and form in LINE_FORMS and named & LINE_FORMS:
            continue  # the name says "Dried Porcini" though the aisle is Fresh Vegetables: the name wins
        styled = reading.words.index("style") if word == "style" else 0
        if styled and reading.words[styled - 1] in target.words:
            continue  # "Greek Style Yoghurt" is the Greek yogurt the line asks for
        if asked and form in LINE_FORMS - asked:  # "1 can chickpeas" is not a bag of dried ones
            return f"{form} ({evidence}): the recipe line asks for {'/'.join(sorted(asked))}"
        if form == "fresh":  # fresh is what a line wants unless it asks for a preserved form
            continue
        if form in target.forms or form in target.allowed_forms or word in target.allowed_forms:
            continue
        # the aisle says how fresh foods are kept; broth sits in the Canned aisle, ice cream in Frozen
        if word is not None or kinds & FRESH_KINDS or form in ("spice", "substitute"):
            return f"{form} ({evidence}): the recipe line does not ask for it"
    if grams is not None and target.head in lexicon.poured and not target.words & DRY_FORMS:
        return f"sold by weight: a powder or a concentrate, not {target.name} to pour"
    if "whole" in target.words and "dairy" in kinds and (lower := _lower_fat(reading.words)):
        return f"{lower}: the recipe line asks for a whole-milk {target.head}"
    least = lexicon.least_raw_pack_g.get(target.head)
    if least and grams is not None and grams < least and "cooked" not in target.forms:
        return f"a {grams:g} g pack: ready-to-eat {target.head}, the recipe line cooks it"
    if "produce" in kinds and not target.forms & PRESERVED_FORMS:
        fresh_aisle = "fresh" in reading.aisle_words or "fresh" in reading.words
        if (cut := sorted(PROCESSED_CUTS & set(reading.words) - target.named)) and not fresh_aisle:
            return f"already {cut[0]}: a preserved form of {target.head}, the line wants it fresh"
        if volume and "juice" not in target.forms:
            return f"sold by volume: a drink or a preserve, not fresh {target.head}"
        fresh_herb = FRESH_HERB_HINTS & (set(reading.words) | reading.aisle_words)
        if target.head in lexicon.herbs and "spice" not in target.forms and not fresh_herb:
            return f"no sign of a fresh {target.head} (a bunch or a pot): likely dried"
    return None


def _lower_fat(name: tuple[str, ...]) -> str | None:
    """The words saying a dairy product has less fat than whole milk: "0% M.F.", "No Fat", "Light"."""
    if said := LOWER_FAT & set(name):
        return sorted(said)[0]
    if {"no", "fat"} <= set(name) or {"fat", "free"} <= set(name):
        return "no fat"
    percents = [float(p) for p in _FAT.findall(" ".join(name))]
    return f"{percents[0]:g}% fat" if percents and percents[0] < FULL_FAT_PERCENT else None


def _without(head: str, name: tuple[str, ...]) -> str | None:
    """The words saying a product lacks the ingredient: "Zero Sugar", "No Sugar", "Sugar Free"."""
    for at, word in enumerate(name):
        if not _present(head, {word}):
            continue
        if at > 0 and name[at - 1] in NEGATIONS:
            return f"{name[at - 1]} {word}"
        if at + 1 < len(name) and name[at + 1] == "free":
            return f"{word} free"
    return None


def _other_cut(target: Target, reading: ProductName, kinds: frozenset[str]) -> str | None:
    """Why a product cut one way is not what a line naming another cut asks for ("diced", not "crushed")."""
    lexicon = Lexicon.load()
    asked = {lexicon.cut_of[w] for w in target.named if w in lexicon.cut_of}
    cut = {lexicon.cut_of[w] for w in reading.words if w in lexicon.cut_of}
    if asked and cut and not asked & cut:
        return f"{'/'.join(sorted(cut))}: the recipe line asks for {'/'.join(sorted(asked))}"
    if "nuts" in kinds and not cut and (bought := sorted(asked - lexicon.home_cuts)):
        return f"whole: the recipe line asks for {bought[0]} {target.head}"
    return None


def _single_serves(product: Product) -> bool:
    """Whether a product is a multipack of small cups or bars: several of 250 g or ml or less."""
    if product.size is None:
        return False
    count = product.size.count
    if count < 2 and (named := _PACK_COUNT.search(product.name)):
        count = int(named.group(1))
    if product.size.each.unit is Unit.EA:  # "Greek Yogurt 4 pack", sold by the unit: cups
        return count >= 2 or product.size.total.amount >= 2
    return count >= 2 and product.size.total.amount / count <= SINGLE_SERVE_MAX


@lru_cache(maxsize=16384)
def _read_product(name: str, brand: str | None, department: str | None) -> tuple[str, frozenset[str], ProductName]:
    """A product's name as matching reads it, its words that count, and what the name and aisle tell."""
    name = normalise(name)
    if brand:  # voila-style names start with the brand
        name = name.removeprefix(normalise(brand)).strip()
    name = _same_words(name)
    of = Lexicon.load().variety_of  # "Sushi Rice" names its grain too: short
    name = " ".join(f"{w} {of[w]}" if w in of else w for w in name.split())
    reading = read_name(name.split(), department, brand=brand)
    offered = frozenset(w for w in name.split() if w not in SIZE_WORDS and not _NUMERIC.match(w)) - reading.packed_in
    return name, offered, reading


@dataclass(frozen=True)
class Score:
    confidence: float
    reasons: tuple[str, ...]
    look_alike: bool = False  # refused although it carries the ingredient's name


def score(target: Target, product: Product, rules: MatchRules) -> Score:
    brand = (product.brand or "").lower()
    if brand and brand in rules.never_brands:
        return Score(0.0, (f"brand {product.brand} is excluded by your rules",))
    name, offered, reading = _read_product(product.name, product.brand, product.department)
    if not _present(target.head, offered):
        return Score(0.0, (f"'{target.head}' is not in the product name",))
    for phrase in PHRASE_FORMS:
        if phrase in f" {name} " and phrase not in f" {target.name} ":
            return Score(0.0, (f"a {phrase} is not {target.name}",), look_alike=True)
    for phrase in LEAF_PHRASES:
        if phrase in f" {target.name} " and phrase not in f" {name} ":
            return Score(0.0, (f"not a {phrase}: {target.name} is the leaf",), look_alike=True)
    volume = product.size is not None and product.size.each.unit is Unit.ML
    grams = product.size.each.amount if product.size is not None and product.size.each.unit is Unit.G else None
    if refusal := _different_product(target, reading, product.department, volume, grams):
        return Score(0.0, (refusal,), look_alike=True)
    only_product = {
        w for w in offered - target.words if w not in target.allowed_forms and not _present(w, target.words)
    }
    # the aisle counts for the ingredient's forms: fries in the Frozen aisle are frozen fries
    lexicon = Lexicon.load()
    aisle = {w for w in reading.aisle_words if w in lexicon.form_of}
    # pasta, beans and spice-aisle herbs are dried whether or not their name says so
    if not lexicon.kinds(target.head) & FRESH_KINDS or "spice" in reading.forms:
        aisle.add("dried")
    # a food naming the head's kind ("coconut milk") must be there; one further off ("whole milk
    # ricotta") is only a missing word
    content = list(target.content)
    at = content.index(target.head)
    kind_word = content[at - 1] if at > 0 else None
    only_ingredient = {
        w
        for w in target.words - offered - aisle
        if not _present(w, offered) and (w not in lexicon.foods or w == kind_word)
    }
    if form := sorted((only_product | only_ingredient) & FORM_WORDS):
        side = "product" if form[0] in offered else "ingredient"
        return Score(0.0, (f"'{form[0]}' only in the {side}: a different product",), look_alike=True)
    if conflict := exclusive_conflict(set(target.words), offered):
        return Score(0.0, (conflict,), look_alike=True)
    reasons = [f"'{target.head}' matches"]
    # words the aisle says ("frozen" for peas in Frozen Vegetables) are not asked of the name
    said_by_name = [w for w in target.content if _present(w, offered) or not _present(w, aisle)]
    similarity = fuzz.token_set_ratio(" ".join(said_by_name or target.content), name) / 100
    missing = [w for w in target.content if not _present(w, offered | aisle) and w not in NEUTRAL_WORDS]
    # a product silent about a variant ("Cocoa Powder" for "unsweetened cocoa"), or without the brand
    # the line named, is a lesser miss than a product lacking what the recipe asked for
    lesser = [
        w
        for w in missing
        if w in target.brand_words or (w not in COLOURS and any(w in group for group in EXCLUSIVE_GROUPS))
    ]
    # the usual colour is what a plain ingredient is ("1 onion": a yellow one): not an extra
    usual = lexicon.usual_colours.get(target.head, frozenset())
    extra = [
        w
        for w in offered - target.words - usual
        if w not in NEUTRAL_WORDS
        and w not in SOFT_WORDS
        and not w.isdigit()
        and not _FAT.fullmatch(w)  # a fat level ("3% M.F."): the exclusive groups judge the ones a line names
        and not _present(w, target.words)
    ]
    soft = sum(penalty for w, penalty in SOFT_WORDS.items() if w in offered and w not in target.words)
    if "dairy" in lexicon.kinds(target.head) and _single_serves(product):
        soft += SINGLE_SERVE
        reasons.append("single-serve cups")
    # a colour the recipe did not name weighs more than other extras
    soft += 0.1 * len(COLOURS & set(extra))
    misses = MISSING_WORD * (len(missing) - len(lesser)) + LESSER_MISS * len(lesser)
    # fruit and vegetables come in varieties: an unasked one ("Caribbean Avocado", "Thai Eggplant") is second
    # choice, out of the band of options a plan chooses from when a plain one is sold
    per_extra = PRODUCE_EXTRA if "produce" in lexicon.kinds(target.head) else OTHER_EXTRA
    confidence = 0.45 + 0.5 * similarity - misses - per_extra * len(extra) - soft
    if missing:
        reasons.append(f"missing {', '.join(missing)}")
    if extra:
        reasons.append(f"also {', '.join(sorted(extra))}")
    if soft:
        reasons.append("a variant you did not ask for")
    if brand and brand in rules.prefer_brands:
        confidence += 0.05
        reasons.append(f"preferred brand {product.brand}")
    reasons.append(f"similarity {similarity:.2f}")
    return Score(round(max(0.0, min(1.0, confidence)), 3), tuple(reasons))
