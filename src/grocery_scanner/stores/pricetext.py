"""Price and pack-size text as grocery sites print it, shared by every connector.

Sizes normalise to grams, millilitres or a count; prices to Decimal dollars. The parsers
never invent a price: text without one yields None, and no parsed price is zero or negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from grocery_scanner.models import MultiBuy, PackSize, Quantity, Unit
from grocery_scanner.models.offer import money

LB_IN_KG = Decimal("0.45359237")

# unit word -> (base unit, base units per one of it)
_UNITS: dict[str, tuple[Unit, float]] = {
    "mg": (Unit.G, 0.001),
    "g": (Unit.G, 1.0),
    "gr": (Unit.G, 1.0),
    "gram": (Unit.G, 1.0),
    "grams": (Unit.G, 1.0),
    "kg": (Unit.G, 1000.0),
    "kilo": (Unit.G, 1000.0),
    "kilos": (Unit.G, 1000.0),
    "kilogram": (Unit.G, 1000.0),
    "kilograms": (Unit.G, 1000.0),
    "lb": (Unit.G, 453.59237),
    "lbs": (Unit.G, 453.59237),
    "pound": (Unit.G, 453.59237),
    "pounds": (Unit.G, 453.59237),
    "oz": (Unit.G, 28.349523125),
    "ml": (Unit.ML, 1.0),
    "millilitre": (Unit.ML, 1.0),
    "milliliter": (Unit.ML, 1.0),
    "cl": (Unit.ML, 10.0),
    "l": (Unit.ML, 1000.0),
    "litre": (Unit.ML, 1000.0),
    "liter": (Unit.ML, 1000.0),
    "litres": (Unit.ML, 1000.0),
    "liters": (Unit.ML, 1000.0),
    "fl oz": (Unit.ML, 29.5735295625),
    "pint": (Unit.ML, 473.176473),
    "pints": (Unit.ML, 473.176473),
    "pt": (Unit.ML, 473.176473),
    "un": (Unit.EA, 1.0),
    "ea": (Unit.EA, 1.0),
    "each": (Unit.EA, 1.0),
    "pk": (Unit.EA, 1.0),
    "pack": (Unit.EA, 1.0),
    "ct": (Unit.EA, 1.0),
    "count": (Unit.EA, 1.0),
    "unit": (Unit.EA, 1.0),
    "units": (Unit.EA, 1.0),
    "pc": (Unit.EA, 1.0),
    "pcs": (Unit.EA, 1.0),
    "piece": (Unit.EA, 1.0),
    "pieces": (Unit.EA, 1.0),
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUM = r"\d+(?:[.,]\d+)?"
_RANGE = rf"({_NUM})(?:\s*(?:-|–|to)\s*({_NUM}))?"
# "4 x 113 g", "4 X 95-100 ML", "8 Pack x 93 ml"
_MULTI_SIZE = re.compile(
    rf"(?<![\w.])(\d+)\s*(?:-?\s*(?:pack|pk)s?\s*)?[x×]\s*{_RANGE}\s*({_UNIT_ALT})\.?(?![a-z])", re.I
)
# "375mL x 10 pack", "500ml 4 Pack", "6 Pack 200mL", "220g x 4 pack", "100 g 4 ct": that many items of
# that size, unless the pack is of tea bags, capsules or ice creams (see _PACK_TOTAL); a weight after the
# count ("Party Pies 12 Pack 720g") is the whole pack's
_PACK = re.compile(
    rf"(?<![\w.])(?:(\d+)\s*-?\s*(?:pack|pk)\b[^\d]{{0,12}}?({_NUM})\s*(ml|l)\b"
    rf"|({_NUM})\s*(ml|l|g|kg)\b\s*(?:x\s*)?(\d+)\s*-?\s*(?:pack|pk)\b"
    rf"|({_NUM})\s*({_UNIT_ALT})\.?\s+(\d+)\s*ct\b)",
    re.I,
)
# packs whose printed size is the whole pack: "Tea Bags 50 Pack 100g", "Ice Cream Sticks 8 pack 688mL"
_PACK_TOTAL = re.compile(r"\btea\b|\bbags?\b|capsule|\bpods?\b|ice cream|\bsticks\b|\bbars\b|\bcones\b", re.I)
# "500g - 650g", "900 G - 1 KG": a range with a unit on both ends
_UNIT_RANGE = re.compile(
    rf"(?<![\w.$/])({_NUM})\s*({_UNIT_ALT})\.?\s*(?:-|–|to)\s*({_NUM})\s*({_UNIT_ALT})\.?(?![a-z])", re.I
)
# counts: "12-pack", "(Pack of 8)", "6ct", "6'S", "120s", "12 Buns"
_COUNT = re.compile(
    r"(?<![\w.$])(\d+)\s*(?:-\s*pack\b|ct\b|'s\b|s\b|\s(?:buns|rolls|eggs|bagels|muffins|tortillas|wraps"
    r"|slices|bars|cans|bottles|pods|capsules|tea bags|bags|sachets|cups|pouches|sticks|portions)\b)"
    r"|pack of (\d+)",
    re.I,
)
_SINGLE_SIZE = re.compile(rf"(?<![\w.$/])({_NUM})(?:\s*(?:-|–|to)\s*({_NUM}))?\s*({_UNIT_ALT})\.?(?![a-z])", re.I)
_COUNT_PHRASE = re.compile(rf"(?<![\w.])({_NUM})(?:\s*(?:-|–|to)\s*({_NUM}))?\s+[a-z]+\s+per\s+\w+", re.I)
MAX_COUNT = 500  # "2020s" is a decade, not a pack
_APPROXIMATE = re.compile(r"^\s*(?:~|approx\.?|about)\s*", re.I)
_SOLD_SINGLY = re.compile(r"sold individually|\bper (?:item|unit)\b", re.I)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _optional_number(text: str | None) -> float | None:
    return _number(text) if text else None


def _quantity(amount: float, unit_word: str) -> Quantity | None:
    unit, factor = _UNITS[unit_word.lower()]
    value = round(amount * factor, 6)
    return Quantity(amount=value, unit=unit) if value > 0 else None


def _midpoint(low: float, high: float | None) -> tuple[float, bool]:
    """The amount a range stands for (its middle) and whether it is approximate."""
    return ((low + high) / 2, True) if high is not None and high > low else (low, False)


def _sizes(text: str) -> list[tuple[int, PackSize]]:
    """Every size the text states, with where it starts; multipacks and ranges before plain sizes,
    so that at the same place "4 X 95-100 ML" wins over "95-100 ML"."""
    found: list[tuple[int, PackSize]] = []
    for match in _MULTI_SIZE.finditer(text):
        amount, approximate = _midpoint(_number(match.group(2)), _optional_number(match.group(3)))
        each = _quantity(amount, match.group(4))
        if each is not None:
            found.append((match.start(), PackSize(count=int(match.group(1)), each=each, approximate=approximate)))
    for match in _PACK.finditer(text) if not _PACK_TOTAL.search(text) else ():
        # the alternatives: "6 pack x 355 ml", "355 ml x 6 pack", "100 g 12 ct"
        count, each_text, unit = next(
            (match.group(c), match.group(a), match.group(u))
            for c, a, u in ((1, 2, 3), (6, 4, 5), (9, 7, 8))
            if match.group(c)
        )
        each = _quantity(_number(each_text), unit)
        if each is not None and int(count) >= 1:
            found.append((match.start(), PackSize(count=int(count), each=each)))
    for match in _UNIT_RANGE.finditer(text):
        low = _quantity(_number(match.group(1)), match.group(2))
        high = _quantity(_number(match.group(3)), match.group(4))
        if low is not None and high is not None and low.unit is high.unit and high.amount > low.amount:
            middle = Quantity(amount=round((low.amount + high.amount) / 2, 6), unit=low.unit)
            found.append((match.start(), PackSize(each=middle, approximate=True)))
    for match in _SINGLE_SIZE.finditer(text):
        amount, approximate = _midpoint(_number(match.group(1)), _optional_number(match.group(2)))
        each = _quantity(amount, match.group(3))
        if each is not None:
            found.append((match.start(), PackSize(each=each, approximate=approximate)))
    return found


@lru_cache(maxsize=65536)  # the same few thousand size texts recur on every page; PackSize is immutable
def parse_size(text: str | None) -> PackSize | None:
    """The pack size in `text`, preferring a weight or volume over a count.

    Handles "4 l", "675 g", "4 x 113 g", "4 X 95-100 ML" (four of about 97.5 ml), "8 Pack x 93 ml",
    "375mL x 10 pack", "650-750 g" and "900 G - 1 KG" (middle, approximate), "18 un", "12 EA",
    "12-pack", "(Pack of 8)", "6ct", "6'S", "12 Buns", "1 Pint", "946 mL or 396 g" (the first),
    "5 breasts per tray", "Sold individually", and sizes inside a product name.
    """
    if not text:
        return None
    candidates = _sizes(text)
    measured = [c for c in candidates if c[1].each.unit is not Unit.EA]
    pool = measured or candidates
    if pool:
        size = min(pool, key=lambda c: c[0])[1]
        return size.model_copy(update={"approximate": True}) if _APPROXIMATE.match(text) else size
    if match := _COUNT_PHRASE.search(text):
        amount, approximate = _midpoint(_number(match.group(1)), _optional_number(match.group(2)))
        if amount > 0:
            return PackSize(each=Quantity(amount=amount, unit=Unit.EA), approximate=approximate)
    if (match := _COUNT.search(text)) and 1 <= (count := int(match.group(1) or match.group(2))) <= MAX_COUNT:
        return PackSize(each=Quantity(amount=count, unit=Unit.EA))
    if _SOLD_SINGLY.search(text):
        return PackSize(each=Quantity(amount=1, unit=Unit.EA))
    return None


def count_sizes(text: str) -> int:
    """How many distinct sizes a text names (a flyer line bundling products names several)."""
    return len({m.group(0).lower() for m in _SINGLE_SIZE.finditer(text)})


NUMBER_WORDS = {w: n for n, w in enumerate("two three four five six seven eight nine ten".split(), start=2)}
_NUMBER_WORD = re.compile(rf"\b(?:{'|'.join(NUMBER_WORDS)})\b(?=\s+(?:for|/))", re.I)  # "any three for $14"
_MONEY = re.compile(r"\$\s*(\d{1,6}(?:,\d{3})*(?:\.\d{1,2})?)|(\d{1,3})\s*¢")
_MULTI_PRICE = re.compile(r"(\d+)\s*(?:/|for)\s*\$?\s*(\d{1,6}(?:\.\d{1,2})?)", re.I)
_MIN_PRICE = re.compile(r"\$\s*(\d+(?:\.\d{1,2})?)\s*MIN\s*(\d+)", re.I)
_OR_EACH = re.compile(r"or\s*\$\s*(\d+(?:\.\d{1,2})?)\s*ea", re.I)
_PER = re.compile(r"/\s*(100\s*g|100\s*ml|kg|lb|g|ml|l|un|ea)\b\.?", re.I)
_AVERAGE = re.compile(r"\bavg\b|\baverage\b", re.I)


def parse_money(text: str | None) -> Decimal | None:
    """The first amount of money in `text` ("$3.99", "99¢", "1,299.00"), or None; never <= 0."""
    if not text:
        return None
    match = _MONEY.search(text)
    if not match:
        return None
    try:
        value = Decimal(match.group(1).replace(",", "")) if match.group(1) else Decimal(match.group(2)) / 100
    except InvalidOperation:
        return None
    return money(value) if value > 0 else None


def to_decimal(value: object) -> Decimal | None:
    """A positive price from a JSON number or numeric string, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation:
        return None
    return money(result) if result.is_finite() and result > 0 else None


@dataclass(frozen=True)
class PriceText:
    """What one price label says.

    `price` is the amount printed first, quoted `per` a unit ("ea", "kg", "lb", "100g", ...);
    `multi_buy` a deal of several packages; `each_alternative` the single price offered beside
    a multi-buy ("2 / $7.00 or $3.99 ea."); `average` marks "avg. ea." (weighted items).
    """

    price: Decimal | None
    per: str | None = None
    multi_buy: MultiBuy | None = None
    each_alternative: Decimal | None = None
    average: bool = False

    @property
    def price_per_kg(self) -> Decimal | None:
        return per_kg(self.price, self.per) if self.price is not None else None


def per_kg(price: Decimal, per: str | None) -> Decimal | None:
    """Convert a price quoted per lb, g or 100 g to a price per kg; None for other bases."""
    factors = {"kg": Decimal(1), "lb": 1 / LB_IN_KG, "100g": Decimal(10), "g": Decimal(1000)}
    factor = factors.get((per or "").replace(" ", "").lower())
    return money(price * factor) if factor is not None else None


def per_base_unit(price: Decimal, per: str | None) -> Decimal | None:
    """A unit price quoted per 100 g, 100 ml, lb, g, ml, l, kg or item, as a price per kg, l or item."""
    factors = {"100ml": Decimal(10), "ml": Decimal(1000), "l": Decimal(1), "un": Decimal(1), "ea": Decimal(1)}
    basis = (per or "").replace(" ", "").lower()
    if basis in factors:
        return money(price * factors[basis])
    return per_kg(price, basis)


def label_unit_price(label: str | None) -> Decimal | None:
    """The unit price a label prints among its parts ("$0.45 /100g", "4 l, $0.17/100ml", "or $3.99 ea.
    $0.80 /100ml"), per kg, l or item; None where it prints none."""
    for part in (label or "").split("$")[1:]:
        parsed = parse_price_text("$" + part)
        if parsed.price is not None and parsed.per not in (None, "ea"):
            return per_base_unit(parsed.price, parsed.per)
    return None


def parse_price_text(text: str | None) -> PriceText:
    """Parse a price label: "$3.99", "3 / $10.98", "2 for $5", "2 / $7.00 or $3.99 ea.", "$20.92 / kg",
    "$12.58 avg. ea.", "$0.17/100ml", "$3.50 MIN 2", "$6.49 LIMIT 4", "99¢"."""
    if not text:
        return PriceText(price=None)
    flat = _NUMBER_WORD.sub(lambda m: str(NUMBER_WORDS[m.group(0).lower()]), " ".join(text.split()))
    if match := _MIN_PRICE.search(flat):
        each, quantity = Decimal(match.group(1)), int(match.group(2))
        deal = MultiBuy(quantity=quantity, total=money(each * quantity)) if quantity >= 2 and each > 0 else None
        return PriceText(price=None, multi_buy=deal)
    if (match := _MULTI_PRICE.search(flat)) and "$" in flat[match.start() : match.end()]:
        quantity, total = int(match.group(1)), Decimal(match.group(2))
        alt = _OR_EACH.search(flat)
        deal = MultiBuy(quantity=quantity, total=money(total)) if quantity >= 2 and total > 0 else None
        each_alt = money(Decimal(alt.group(1))) if alt and Decimal(alt.group(1)) > 0 else None
        single = money(total) if quantity == 1 and total > 0 else None
        return PriceText(price=single, per="ea", multi_buy=deal, each_alternative=each_alt)
    price = parse_money(flat)
    per_match = _PER.search(flat)
    per = per_match.group(1).replace(" ", "").lower() if per_match else ("ea" if price is not None else None)
    return PriceText(price=price, per=per, average=bool(_AVERAGE.search(flat)))
