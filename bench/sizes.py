"""Pack sizes as stores print them: every product name of the shared catalogs through the size parser.

Every product the recorded responses (../shared/fixtures) hold, read by the connector that fits each
file, counts towards the share of names with a size. The catalogs say each product's size a second
way, so the size read from the text can be checked:
Woolworths and Coles print a unit price beside the shelf price ("$20.00 / 1KG"), and the Superstore
export prints its unit price ("$2.72/100g") beside the price and the size fields. Where price and unit
price imply a size and the text names a quantity of that kind (a name with no weight in it cannot
state a weight), the size the parser reads must agree within 3 % (unit prices are rounded); a range
read as its middle ("600g - 1.3kg", about 950 g) agrees within 40 %.

Counted, per source: names, the share with a size found; overall: `checked` (sizes that can be
derived independently) and `size_accuracy` on those. Deals: `multibuy_texts` labelled deal and price
texts (bench/data/deal_texts.tsv, from the recorded responses and the flyer phrasings stores use) and
`multibuy_accuracy`, the share read exactly (the deal, or no deal). `-v` lists the misses.
Last line: one JSON object.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from common import FIXTURES, emit
from grocery_scanner.models import PackSize, Unit
from grocery_scanner.stores.pricetext import parse_price_text, parse_size
from grocery_scanner.stores.registry import fitting
from real_catalogs import CATALOGS, CATALOGS_DIR

TOLERANCE = 0.03
APPROXIMATE_TOLERANCE = 0.4  # "600g - 1.3kg" is read as about 950 g; the store prices the top of it
_FAMILY = {
    Unit.G: re.compile(r"\d\s*(?:g|kg|gr|gram|grams|lb|lbs|oz)\b", re.I),
    Unit.ML: re.compile(r"\d\s*(?:ml|l|litre|liter|cl|pint|fl oz)\b", re.I),
    Unit.EA: re.compile(r"\d\s*(?:-?\s*pack|pk|ea|un|each|ct|count|pcs?|pieces?|'?s)\b|pack of", re.I),
}
_PER_KG_SHELF = re.compile(r"\b1\s*kg\b", re.I)  # "1kg" in the name: a 1 kg pack, not a price per kg
# "$20.00 / 1KG", "$0.38 per 100g", "$2.72/100g": amount, then the basis it is quoted per
_UNIT_PRICE = re.compile(r"\$\s*([\d.,]+)\s*(?:/|per)\s*([\d.]+)\s*(kg|g|l|ml|ea)\b", re.I)
_BASIS = {"kg": (Unit.G, 1000), "g": (Unit.G, 1), "l": (Unit.ML, 1000), "ml": (Unit.ML, 1), "ea": (Unit.EA, 1)}


def implied_size(price: str, unit_price: str) -> tuple[Unit, float] | None:
    """The total quantity a shelf price and its unit price imply (price / unit price x basis)."""
    match = _UNIT_PRICE.search(unit_price or "")
    try:
        shelf = Decimal(price.strip().lstrip("$"))
    except ArithmeticError:
        return None
    if not match or shelf <= 0:
        return None
    per = Decimal(match.group(1).replace(",", ""))
    unit, factor = _BASIS[match.group(3).lower()]
    if per <= 0:
        return None
    return unit, float(shelf / per * Decimal(match.group(2)) * factor)


def agrees(size: PackSize, implied: tuple[Unit, float]) -> bool:
    """Within 3 %; a range read as its middle ("600g - 1.3kg") agrees with any size inside it."""
    unit, amount = implied
    total = size.total
    tolerance = APPROXIMATE_TOLERANCE if size.approximate else TOLERANCE
    return total.unit is unit and abs(total.amount - amount) <= tolerance * total.amount


def checkable(text: str, price: str, implied: tuple[Unit, float]) -> bool:
    """Whether the text could state the implied size at all: it names a quantity of that kind, and
    the product is not one priced by weight at the shelf (price per kg equal to the shelf price)."""
    unit, amount = implied
    if unit is not Unit.EA and amount in (1000.0,) and _PER_KG_SHELF.search(text) is None:
        return False
    return bool(_FAMILY[unit].search(text))


def rows(source: str) -> list[tuple[str, str, str]]:
    """(text the parser reads, shelf price, unit price text) for every priced product of a source."""
    path = CATALOGS_DIR / CATALOGS[source]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if source == "superstore":
            return [(f"{r['Amount']} {r['Units']}", r["Current Price"], r["Price Per Each"]) for r in reader]
        return [(r["Name"], r["Price"], r["Price / KG"]) for r in reader if r["Price"].strip()]


DEALS = Path(__file__).parent / "data" / "deal_texts.tsv"


def deals(verbose: bool) -> tuple[int, int]:
    """(labelled texts, read exactly)."""
    total = right = 0
    for raw in DEALS.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        text, quantity, amount = ([*raw.split("\t"), "", ""])[:3]
        deal = parse_price_text(text).multi_buy
        got = (deal.quantity, deal.total) if deal else None
        expected = (int(quantity), Decimal(amount)) if quantity.strip() else None
        total += 1
        right += got == expected
        if verbose and got != expected:
            print(f"deal {text!r}: read {got}, labelled {expected}", file=sys.stderr)
    return total, right


def fixture_sizes() -> dict[str, tuple[int, int]]:
    """(products, products with a size) per recorded source, each file read by the connector that fits."""
    counts: dict[str, tuple[int, int]] = {}
    for path in sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".json", ".jsonl", ".html")):
        fits = fitting(path.read_text(encoding="utf-8", errors="replace"), path.stem)
        if not fits:
            continue
        offers = fits[0][1].offers
        source = f"fixtures/{path.relative_to(FIXTURES).parts[0]}"
        total, sized = counts.get(source, (0, 0))
        counts[source] = (total + len(offers), sized + sum(o.product.size is not None for o in offers))
    return counts


def main() -> None:
    verbose = "-v" in sys.argv
    names = checked = right = 0
    with_size: dict[str, float] = {}
    misses: Counter[str] = Counter()
    for source in CATALOGS:
        found = 0
        data = rows(source)
        for text, price, unit_price in data:
            size = parse_size(text)
            found += size is not None
            implied = implied_size(price, unit_price)
            if implied is None or not checkable(text, price, implied):
                continue
            checked += 1
            if size is not None and agrees(size, implied):
                right += 1
            else:
                got = f"{size.total}" if size else "no size"
                misses[source] += 1
                if verbose:
                    print(
                        f"[{source}] {text!r}: read {got}, implied {implied[1]:g} {implied[0].value}", file=sys.stderr
                    )
        names += len(data)
        with_size[source] = round(found / len(data), 3)
    for source, (total, sized) in fixture_sizes().items():
        names += total
        with_size[source] = round(sized / total, 3)
    deal_texts, deals_right = deals(verbose)
    emit(
        {
            "names": names,
            "with_size_ratio": with_size,
            "checked": checked,
            "size_accuracy": round(right / checked, 4),
            "misses": dict(misses),
            "multibuy_texts": deal_texts,
            "multibuy_accuracy": round(deals_right / deal_texts, 3),
        }
    )


if __name__ == "__main__":
    main()
