"""Matching rules, scores and pack counts, on products as the connectors produce them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.matching.packs import plan_packs
from grocery_scanner.matching.rules import MatchRules
from grocery_scanner.matching.score import THRESHOLD, Target, score
from grocery_scanner.models import MultiBuy, Need, Offer, PackSize, Product, Quantity, SoldBy, Unit
from grocery_scanner.models.match import MatchStatus
from grocery_scanner.stores.pricetext import parse_size

RULES = MatchRules.load()


def need(name: str, amount: float | None = None, unit: Unit = Unit.G, line: str | None = None, **kw) -> Need:
    quantity = Quantity(amount=amount, unit=unit) if amount else None
    return Need(key=name, name=name, quantity=quantity, lines=[line or name], **kw)


def offer(name: str, size: str | None = "500 g", price: str = "3.99", store: str = "s", **kw) -> Offer:
    product = Product(store_id=store, sku=name, name=name, size=parse_size(size), brand=kw.pop("brand", None))
    return Offer(product=product, price=Decimal(price), source_format="t", collection_method="t", confidence=0.95, **kw)


# the few products here that stores sell by volume (a broth weighed in grams is a powder)
POURED = {"Chicken Broth": "900 ml"}


def conf(ingredient: Need, product_name: str) -> float:
    product = offer(product_name, size=POURED.get(product_name, "500 g")).product
    return score(Target.of(ingredient, RULES), product, RULES).confidence


@pytest.mark.parametrize(
    ("ingredient", "good", "bad"),
    [
        ("sweetened condensed milk", "Sweetened Condensed Milk", "Evaporated Milk"),
        ("evaporated milk", "Evaporated Milk", "Sweetened Condensed Milk"),
        ("unsweetened almond milk", "Unsweetened Almond Beverage", "Original Almond Beverage Sweetened"),
        ("unsalted butter", "Unsalted Butter", "Salted Butter"),
        ("salted butter", "Salted Butter", "Unsalted Butter"),
        ("garlic", "Garlic Bulbs", "Garlic Powder"),
        ("garlic powder", "Garlic Powder", "Garlic Bulbs"),
        ("ground cumin", "Ground Cumin", "Cumin Seeds"),
        ("whole black peppercorns", "Whole Black Peppercorns", "Ground Black Pepper"),
        ("strawberries", "Strawberries", "Frozen Strawberries"),
        ("frozen peas", "Frozen Green Peas", "Canned Green Peas"),
        ("fresh thyme", "Fresh Thyme", "Dried Thyme Leaves"),
        ("2% milk", "2% Milk", "Skim Milk"),
        ("whole milk", "Homogenized Milk 3.25%", "1% Milk"),
        ("plain greek yogurt", "Plain Greek Yogurt", "Vanilla Greek Yogurt"),
        ("boneless chicken thighs", "Chicken Thighs Boneless Skinless", "Chicken Thighs Bone-In"),
        ("brown sugar", "Golden Brown Sugar", "Granulated White Sugar"),
        ("red onion", "Red Onion", "Yellow Onion"),
        ("onion", "Yellow Onion", "Green Onions"),
        ("vanilla extract", "Pure Vanilla Extract", "Artificial Vanilla Flavour"),
        ("chicken broth", "Chicken Broth", "Chicken Bouillon Cubes"),
        ("eggs", "Large Eggs", "Liquid Egg Whites"),
        ("cinnamon", "Ground Cinnamon", "Cinnamon Sticks"),
        ("coconut milk", "Coconut Milk", "2% Milk"),
        ("milk", "2% Milk", "Chocolate Milk"),
        ("peanuts", "Salted Roasted Peanuts", "Smooth Peanut Butter"),
    ],
)
def test_modifier_rules_accept_the_product_and_veto_the_look_alike(ingredient: str, good: str, bad: str) -> None:
    wanted = need(ingredient, 10, Unit.G, line=f"1 tsp {ingredient}")
    assert conf(wanted, good) >= THRESHOLD, good
    assert conf(wanted, bad) == 0.0, bad


def test_spices_are_ground_by_default_but_fresh_when_the_line_says_so() -> None:
    spoon_of_ginger = need("ginger", 5, Unit.ML, line="1 tsp ginger")
    assert conf(spoon_of_ginger, "Ground Ginger") >= THRESHOLD
    assert conf(spoon_of_ginger, "Fresh Ginger Root") == 0.0
    grated = need("ginger", 15, Unit.ML, line="1 tbsp grated ginger")
    assert conf(grated, "Fresh Ginger Root") >= THRESHOLD
    assert conf(grated, "Ground Ginger") == 0.0


def test_variants_not_asked_for_score_lower() -> None:
    wanted = need("cream cheese", 250)
    assert conf(wanted, "Cream Cheese") > conf(wanted, "Light Cream Cheese") >= THRESHOLD


def test_typos_still_match() -> None:
    assert conf(need("chiken broth", 500, Unit.ML), "Chicken Broth") >= THRESHOLD


def test_equivalences_and_user_rules(tmp_path: Path) -> None:
    assert conf(need("scallions", 4, Unit.EA), "Green Onions") >= THRESHOLD
    assert conf(need("garbanzo beans", 1, Unit.EA), "Chickpeas") >= THRESHOLD
    mine = tmp_path / "rules.yaml"
    mine.write_text("equivalent:\n  - [rapini, broccoli rabe]\nnever_brands: [Cheapo]\n")
    rules = MatchRules.load(mine)
    target = Target.of(need("broccoli rabe", 300), rules)
    assert score(target, offer("Rapini").product, rules).confidence >= THRESHOLD
    butter = Target.of(need("butter", 200), rules)
    assert score(butter, offer("Salted Butter", brand="Cheapo").product, rules).confidence == 0


def test_bad_rules_file_names_the_field(tmp_path: Path) -> None:
    from grocery_scanner.errors import UserInputError

    bad = tmp_path / "rules.yaml"
    bad.write_text("equivalent: {a: b}\n")
    with pytest.raises(UserInputError, match="equivalent"):
        MatchRules.load(bad)


@pytest.mark.parametrize(
    ("wanted", "size", "packs"),
    [
        (need("flour", 473, Unit.ML), "2.5 kg", 1),  # 2 cups of flour is about 250 g
        (need("rice", 2400, Unit.G), "2 kg", 2),
        (need("milk", 3000, Unit.ML), "4 l", 1),
        (need("eggs", 14, Unit.EA), "12 un", 2),
        (need("onion", 3, Unit.EA), "1.36 kg", 1),  # 3 onions of about 200 g in a 3 lb bag
        (need("garlic", 15, Unit.G), "3 un", 1),
        (need("green onions", 4, Unit.EA), "1 un", 1),  # a bunch holds about eight
        (need("diced tomatoes", 2, Unit.EA, packages=True), "796 ml", 2),  # "2 cans"
        (need("chicken broth"), "900 ml", 1),  # no amount: one package
    ],
)
def test_pack_counts(wanted: Need, size: str, packs: int) -> None:
    assert plan_packs(wanted, offer(wanted.name, size)).packs == packs


def test_multi_buy_is_used_when_it_lowers_the_cost() -> None:
    deal = offer("Bread", "675 g", price="3.99", multi_buy=MultiBuy(quantity=2, total=Decimal("7.00")))
    assert plan_packs(need("bread", 1000), deal).cost == Decimal("7.00")  # 2 loaves on the deal
    assert plan_packs(need("bread", 1500), deal).cost == Decimal("10.99")  # 2 on the deal + 1 at 3.99
    assert plan_packs(need("bread", 500), deal).cost == Decimal("3.99")  # one loaf: no deal
    cheap_pair = offer("Yogurt", "650 g", price="4.99", multi_buy=MultiBuy(quantity=2, total=Decimal("4.50")))
    plan = plan_packs(need("yogurt", 500), cheap_pair)
    assert (plan.packs, plan.cost) == (2, Decimal("4.50"))  # buying two is cheaper than one


def test_weighted_items_are_priced_by_weight() -> None:
    chicken = Offer(
        product=Product(
            store_id="s",
            sku="c",
            name="Chicken Breasts Boneless Skinless",
            size=PackSize(each=Quantity(amount=100, unit=Unit.G), approximate=True),
        ),
        price=Decimal("1.76"),
        sold_by=SoldBy.WEIGHT,
        price_per_kg=Decimal("17.60"),
        source_format="t",
        collection_method="t",
        confidence=0.95,
    )
    plan = plan_packs(need("chicken breasts", 453.6), chicken)
    assert (plan.packs, plan.cost) == (5, Decimal("8.80"))


def test_matcher_statuses() -> None:
    matcher = Matcher(RULES)
    offers = [
        offer("Evaporated Milk", "354 ml", "1.79", store="a"),
        offer("Evaporated Milk", "354 ml", "1.59", store="b"),
    ]
    matched = matcher.match(need("evaporated milk", 354, Unit.ML), offers)
    assert matched.status is MatchStatus.MATCHED and set(matched.best_per_store()) == {"a", "b"}
    wrong_only = matcher.match(need("sweetened condensed milk", 300, Unit.ML), offers)
    assert wrong_only.status is MatchStatus.UNAVAILABLE and not wrong_only.options
    review = matcher.match(need("whole wheat flour", 500), [offer("All-Purpose Flour", "2.5 kg")])
    assert review.status is MatchStatus.NEEDS_REVIEW and review.candidates
    assert matcher.match(need("salt", pantry=True), offers).status is MatchStatus.PANTRY
    out_of_stock = offer("Evaporated Milk", "354 ml", "1.79", in_stock=False)
    assert matcher.match(need("evaporated milk", 354, Unit.ML), [out_of_stock]).status is MatchStatus.UNAVAILABLE


DEMO_LOOK_ALIKES = [
    ("2 tbsp butter", "Butter Lettuce", "Salted Butter"),
    ("1 tbsp fresh ginger, grated", "Tuna Lemon & Ginger", "Fresh Ginger Root"),
    ("2 cups baby spinach", "Perogies Spinach & Feta", "Baby Spinach"),
    ("1 lb green beans", "Green Beans Garlic Parmesan", None),
    ("3 carrots, peeled and sliced", "Sliced Carrots", "Carrots"),
    ("2 cups jasmine rice", "Jasmine Rice Microwaveable Pouch", "Jasmine Rice"),
    ("4 salmon fillets", "Pink Salmon", "Atlantic Salmon Fillets"),
    ("1.5 lb baby potatoes", "Baking Potato", None),
    ("1 onion, diced", "Shallots", "Yellow Onion"),
    ("2 limes", "Lime Juice Cocktail", "Limes"),
    ("3 very ripe bananas", "Banana Bread", "Bananas"),
]


@pytest.mark.parametrize(("line", "look_alike", "real"), DEMO_LOOK_ALIKES)
def test_demo_catalog_look_alikes_are_refused(line_parser, line: str, look_alike: str, real: str | None) -> None:
    """The demo catalog carries the look-alikes real stores sell; the matcher refuses each."""
    from grocery_scanner.ingest.recipes import shopping_needs
    from grocery_scanner.models import Recipe, SourceRef
    from grocery_scanner.simulator.catalog import build_catalog

    stores = [("harbour-foods", "Harbour Value"), ("maple-market", "Maple Choice")]
    catalog = {p.name: p for store, house in stores for p in build_catalog(store, house, 42)}
    matcher = Matcher(RULES)
    recipe = Recipe(title="t", source="t", ingredients=line_parser.parse(line, SourceRef(source="t")))
    need = shopping_needs([recipe], matcher.need_key)[0]

    def as_offer(name: str) -> Offer:
        p = catalog[name]
        product = Product(store_id="demo", sku=p.key, name=p.name, department=p.department, size=p.size)
        return Offer(product=product, price=p.price, source_format="t", collection_method="t", confidence=0.95)

    result = matcher.match(need, [as_offer(look_alike), *([as_offer(real)] if real else [])])
    assert look_alike not in [o.offer.product.name for o in result.options]
    if real:
        assert [o.offer.product.name for o in result.options] == [real]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("all purpose flour", "all-purpose flour", True),
        ("scallions", "green onions", True),
        ("yoghurt", "yogurt", True),
        ("chili powder", "chilli powder", True),
        ("skinless boneless chicken breast", "boneless skinless chicken breast", True),
        ("tomatoes", "tomato", True),
        ("sweetened condensed milk", "unsweetened condensed milk", False),
        ("salted butter", "unsalted butter", False),
        ("chicken breast", "chicken broth", False),
        ("garlic", "garlic powder", False),
        ("chocolate milk", "milk chocolate", False),
        ("fresh mozzarella", "shredded mozzarella", False),
        ("red onion", "white onion", False),
        ("beef", "beet", False),
    ],
)
def test_two_queries_name_the_same_product_only_when_the_rules_agree(a: str, b: str, same: bool) -> None:
    assert Matcher().same_product(a, b) is same


def test_a_stand_in_the_recipe_allows_is_bought_only_where_the_first_choice_is_not_sold() -> None:
    ghee_or_butter = need("ghee", 45, line="3 tbsp ghee or unsalted butter", alternatives=["unsalted butter"])
    matcher = Matcher(RULES)
    assert matcher.queries(ghee_or_butter) == ["ghee", "unsalted butter"]
    both = matcher.match(ghee_or_butter, [offer("Pure Desi Ghee", store="a"), offer("Unsalted Butter", store="a")])
    assert [o.offer.product.name for o in both.options] == ["Pure Desi Ghee"]  # the stand-in is out of the band
    butter_only = matcher.match(ghee_or_butter, [offer("Unsalted Butter", store="b")])
    assert butter_only.status is MatchStatus.MATCHED
    assert "instead of ghee" in butter_only.options[0].reasons[-1]
    assert matcher.match(need("ghee", 45), [offer("Unsalted Butter")]).status is not MatchStatus.MATCHED
