from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grocery_scanner.models import MultiBuy, PackSize, Quantity, Unit
from grocery_scanner.stores.pricetext import (
    parse_money,
    parse_price_text,
    parse_size,
    per_kg,
)


@pytest.mark.parametrize(
    ("text", "count", "amount", "unit", "approximate"),
    [
        ("4 l", 1, 4000, Unit.ML, False),
        ("675 g", 1, 675, Unit.G, False),
        ("4 x 113 g", 4, 113, Unit.G, False),
        ("4x100 g", 4, 100, Unit.G, False),
        ("6x200.0 ml, $0.57/100ml", 6, 200, Unit.ML, False),
        ("650-750 g", 1, 700, Unit.G, True),
        ("18 un", 1, 18, Unit.EA, False),
        ("12 EA", 1, 12, Unit.EA, False),
        ("946 mL or 396 g", 1, 946, Unit.ML, False),
        ("4 l, $0.17/100ml", 1, 4000, Unit.ML, False),
        ("1.89 l", 1, 1890, Unit.ML, False),
        ("3 lb", 1, 1360.78, Unit.G, False),
        ("0.35 KG ($2.49 per 100g)", 1, 350, Unit.G, False),
        ("5 breasts per tray", 1, 5, Unit.EA, False),
        ("3 to 4 units per tray", 1, 3.5, Unit.EA, True),
        ("Sold individually", 1, 1, Unit.EA, False),
        ("9 PIECE CHICKEN STRIPS, 700 G", 1, 700, Unit.G, False),
        ("Janes Pub Style Chicken Wings Frozen 760 g", 1, 760, Unit.G, False),
        ("Sealtest 3.25% Milk Homogenized 4 L", 1, 4000, Unit.ML, False),
        ("1000ml", 1, 1000, Unit.ML, False),
        # counts and packs as stores and flyers print them
        ("12-pack", 1, 12, Unit.EA, False),
        ("8 Pack x 93 ml", 8, 93, Unit.ML, False),
        ("Juice Boxes (Pack of 8)", 1, 8, Unit.EA, False),
        ("100 g 4 ct", 4, 100, Unit.G, False),
        ("6ct", 1, 6, Unit.EA, False),
        ("6'S", 1, 6, Unit.EA, False),
        ("120s", 1, 120, Unit.EA, False),
        ("12 Buns", 1, 12, Unit.EA, False),
        ("1 Pint", 1, 473.18, Unit.ML, False),
        ("4 X 95-100 ML", 4, 97.5, Unit.ML, True),
        ("Coopers Ultra Light 375mL x 6 pack", 6, 375, Unit.ML, False),
        ("Golden Circle Apple Mango Juice Tetra 6 Pack 200mL", 6, 200, Unit.ML, False),
        ("SPC Baked Beans Rich Tomato 220g x 4 pack", 4, 220, Unit.G, False),
        ("National Party Pies 12 Pack 720g", 1, 720, Unit.G, False),
        ("Twinings Pure Green Tea Bags 10 Pack 15g", 1, 15, Unit.G, False),
        ("Streets Paddle Pop Cyclone Ice Cream Sticks 8 pack 688mL", 1, 688, Unit.ML, False),
        # a range with a unit on both ends is approximate
        ("Woolworths Pork Belly 600g - 1.3kg", 1, 950, Unit.G, True),
        ("900 G - 1 KG", 1, 950, Unit.G, True),
    ],
)
def test_sizes(text: str, count: int, amount: float, unit: Unit, approximate: bool) -> None:
    size = parse_size(text)
    assert size is not None
    assert (size.count, size.each.unit, size.approximate) == (count, unit, approximate)
    assert size.each.amount == pytest.approx(amount, abs=0.01)


@pytest.mark.parametrize(
    "text", ["", None, "Product of USA No. 1 Grade", "2.20/kg", "3.25% milk", "$4.99", "Dempster's Buns", "1990s hits"]
)
def test_no_size(text: str | None) -> None:
    assert parse_size(text) is None


@pytest.mark.parametrize(
    ("text", "price", "per", "multi", "alternative", "average"),
    [
        ("$3.99", "3.99", "ea", None, None, False),
        ("$3.99 ea.", "3.99", "ea", None, None, False),
        ("3 / $10.98", None, "ea", (3, "10.98"), None, False),
        ("2 / $7.00 or $3.99 ea.", None, "ea", (2, "7.00"), "3.99", False),
        ("2 for $5", None, "ea", (2, "5.00"), None, False),
        ("2 FOR $5", None, "ea", (2, "5.00"), None, False),
        ("2 for $8.00 or $4.77 each", None, "ea", (2, "8.00"), "4.77", False),
        ("buy any three for $14", None, "ea", (3, "14.00"), None, False),
        ("$20.92 / kg", "20.92", "kg", None, None, False),
        ("$9.49 / lb.", "9.49", "lb", None, None, False),
        ("$12.58 avg. ea.", "12.58", "ea", None, None, True),
        ("$2.99 / 100 g", "2.99", "100g", None, None, False),
        ("$0.17/100ml", "0.17", "100ml", None, None, False),
        ("$3.50 MIN 2", None, None, (2, "7.00"), None, False),
        ("$6.49 LIMIT 4", "6.49", "ea", None, None, False),
        ("99¢", "0.99", "ea", None, None, False),
        ("no price here", None, None, None, None, False),
    ],
)
def test_price_labels(text, price, per, multi, alternative, average) -> None:
    parsed = parse_price_text(text)
    assert parsed.price == (Decimal(price) if price else None)
    assert parsed.per == per
    assert parsed.multi_buy == (MultiBuy(quantity=multi[0], total=Decimal(multi[1])) if multi else None)
    assert parsed.each_alternative == (Decimal(alternative) if alternative else None)
    assert parsed.average is average


def test_per_kg_conversions() -> None:
    assert per_kg(Decimal("4.99"), "lb") == Decimal("11.00")
    assert per_kg(Decimal("2.99"), "100g") == Decimal("29.90")
    assert per_kg(Decimal("2.99"), "ea") is None


@given(st.text(max_size=80))
def test_price_parser_never_crashes_nor_invents_nonpositive_prices(text: str) -> None:
    parsed = parse_price_text(text)
    for value in (parsed.price, parsed.each_alternative, parse_money(text)):
        assert value is None or value > 0
    if parsed.multi_buy:
        assert parsed.multi_buy.total > 0 and parsed.multi_buy.quantity >= 2


@given(st.text(max_size=80))
def test_size_parser_never_crashes_nor_gives_empty_sizes(text: str) -> None:
    size = parse_size(text)
    assert size is None or (size.count >= 1 and size.each.amount > 0)


@given(
    st.integers(min_value=1, max_value=48),
    st.integers(min_value=1, max_value=50_000),
    st.sampled_from(list(Unit)),
)
def test_size_round_trip(count: int, amount: int, unit: Unit) -> None:
    size = PackSize(count=count, each=Quantity(amount=amount, unit=unit))
    assert parse_size(str(size)) == size


@given(st.integers(min_value=2, max_value=12), st.decimals(min_value="0.01", max_value="999.99", places=2))
def test_multi_buy_round_trip(quantity: int, total: Decimal) -> None:
    deal = MultiBuy(quantity=quantity, total=total)
    assert parse_price_text(str(deal)).multi_buy == deal


@given(
    st.integers(min_value=1, max_value=48),
    st.integers(min_value=1, max_value=50_000),
    st.sampled_from(list(Unit)),
    st.booleans(),
)
def test_size_round_trip_keeps_approximate(count: int, amount: int, unit: Unit, approximate: bool) -> None:
    size = PackSize(count=count, each=Quantity(amount=amount, unit=unit), approximate=approximate)
    assert parse_size(str(size)) == size


@given(
    st.integers(min_value=2, max_value=48),
    st.integers(min_value=1, max_value=5000),
    st.sampled_from(["g", "ml", "kg", "l"]),
    st.sampled_from(["{n} x {a} {u}", "{a}{u} x {n} pack", "{n} Pack x {a} {u}", "{a} {u} {n} ct"]),
)
def test_a_multipack_total_is_never_smaller_than_one_unit(n: int, amount: int, unit: str, shape: str) -> None:
    size = parse_size(shape.format(n=n, a=amount, u=unit))
    one = parse_size(f"{amount} {unit}")
    assert size is not None and one is not None
    assert size.count == n
    assert size.total.amount >= one.total.amount


def test_a_points_offer_is_not_a_multi_buy() -> None:
    assert parse_price_text("GET PC Optimum 5,000 for every $30* spent").multi_buy is None
