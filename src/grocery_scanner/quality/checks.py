"""Validation of one offer at the boundary, and the rules for the typical scrape errors.

No history is needed: a price is checked against itself (finite, in range, in the plan's currency),
its regular price and, where the store prints one, the store's own unit price. Only a fix that the
store's own figures confirm is made (cents read as dollars); anything else doubtful is quarantined.
"""

from __future__ import annotations

import math
from decimal import Decimal

from grocery_scanner.models import Offer, SoldBy, Unit
from grocery_scanner.models.offer import money
from grocery_scanner.quality.findings import Action, Finding, Kind

MAX_PRICE = Decimal(1000)  # more than any grocery package costs: a misread field
MAX_SIZE = {Unit.G: 50_000.0, Unit.ML: 50_000.0, Unit.EA: 1_000.0}  # 50 kg, 50 l, 1,000 items
DEEPEST_SALE = Decimal("0.2")  # a price under a fifth of the regular one is a misread, not a sale
TOLERANCE = 0.03  # price / size against the store's unit price, relative
ROUNDING = Decimal("0.06")  # ... and absolute, per kg or l: labels print per-100 g prices rounded to the cent
# a disagreement with the store's unit price within this factor is flagged, not quarantined: real labels
# are sometimes stale (a 570 g bread at $3.99 labelled $0.89/100 g) or rounded coarsely ($0.03 /1g)
MISMATCH = 1.5
NUMBERS = ("price", "regular_price", "member_price", "price_per_kg", "shelf_unit_price")


def _finite(value: object) -> bool:
    try:
        return math.isfinite(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _near(ratio: float, target: float) -> bool:
    return abs(ratio / target - 1) <= TOLERANCE


def _quarantine(kind: Kind, detail: str) -> list[Finding]:
    return [Finding(kind, Action.QUARANTINED, detail)]


def validate(offer: Offer, currency: str = "CAD") -> tuple[Offer, list[Finding]]:
    """The offer (corrected where a fix is certain) and what was found. Never raises, whatever the fields hold."""
    product = offer.product
    if not product.sku or not product.name:
        return offer, _quarantine(Kind.INCOMPLETE, "no product code or name")
    if offer.price is None:  # unavailable: kept as such, never used
        return offer, []
    for name in NUMBERS:
        value = getattr(offer, name)
        if value is not None and not _finite(value):
            return offer, _quarantine(Kind.NOT_FINITE, f"{name.replace('_', ' ')} is {value}")
    if offer.currency != currency:
        return offer, _quarantine(Kind.CURRENCY, f"priced in {offer.currency or 'no currency'}, not {currency}")
    if not Decimal(0) < offer.price <= MAX_PRICE:
        return offer, _quarantine(Kind.OUT_OF_RANGE, f"price ${offer.price} is outside $0.01-${MAX_PRICE}")
    size = product.size
    if size is not None:
        amount = size.count * size.each.amount if _finite(size.each.amount) else math.nan
        if not 0 < amount <= MAX_SIZE[size.each.unit]:  # NaN fails every comparison
            return offer, _quarantine(Kind.ABSURD_SIZE, f"pack size {size} is not a grocery size")
    regular = offer.regular_price
    if regular is not None and offer.price > regular:
        return offer, _quarantine(Kind.SALE_ABOVE_REGULAR, f"sale price ${offer.price} is above the regular ${regular}")
    if regular is not None and offer.price < regular * DEEPEST_SALE:
        detail = f"price ${offer.price} is under a fifth of the regular ${regular}"
        return offer, _quarantine(Kind.DEEP_DISCOUNT, detail)
    if size is None and offer.sold_by is SoldBy.EACH:
        return offer, [Finding(Kind.INCOMPLETE, Action.FLAGGED, "no pack size: its unit price is unknown")]
    return _against_unit_price(offer)


def _against_unit_price(offer: Offer) -> tuple[Offer, list[Finding]]:
    """Price and pack size against the unit price the store prints beside them. Stores work theirs out
    from the regular, member or multi-buy price as often as from the price shown, so any of those agreeing
    is agreement."""
    shelf, size = offer.shelf_unit_price, offer.product.size
    if offer.sold_by is not SoldBy.EACH or shelf is None or size is None or offer.price is None:
        return offer, []
    per_basis = size.each.unit.basis_factor / Decimal(repr(size.count * size.each.amount))
    if _agrees(offer.price * per_basis, shelf):
        return offer, []
    prices = [offer.regular_price, offer.member_price, offer.multi_buy.each if offer.multi_buy else None]
    for price in prices:
        if price is not None and _agrees(price * per_basis, shelf):
            return offer, []
    ours = money(offer.price * per_basis)
    ratio = float(ours / shelf)
    if _near(ratio, 100):
        return _cents_as_dollars(offer, shelf)
    if _near(ratio, 10):
        detail = f"price ${offer.price} is ten times what the store's unit price ${shelf}/{offer.unit} says"
        return offer, _quarantine(Kind.DECIMAL_SHIFT, detail)
    if abs(offer.price - shelf) <= Decimal("0.01"):
        return offer, _quarantine(
            Kind.PER_KG_AS_PRICE, f"price ${offer.price} is the store's price per {offer.unit}, not the package's"
        )
    detail = (
        f"price ${offer.price} for {offer.product.size} is ${ours}/{offer.unit}; the store says ${shelf}/{offer.unit}"
    )
    # within 1.5x: a stale or coarsely rounded label as often as a misread size; below the label: scrape
    # errors inflate prices, and stores' labels break too (6 x 200 ml of milk at $6.79, "$565.83/100ml")
    if ratio < MISMATCH:
        return offer, [Finding(Kind.UNIT_PRICE_MISMATCH, Action.FLAGGED, detail)]
    return offer, _quarantine(Kind.UNIT_PRICE_MISMATCH, detail + " (pack size or price misread)")


def _agrees(unit_price: Decimal, shelf: Decimal) -> bool:
    return abs(unit_price - shelf) <= ROUNDING or _near(float(unit_price / shelf), 1)


def _cents_as_dollars(offer: Offer, shelf: Decimal) -> tuple[Offer, list[Finding]]:
    """Every price of the offer a hundred times too high, where the store's unit price confirms it.

    The regular price is at least the price (checked before), so it was misread too; a member price
    is a modest discount, so one under half the misread price was read right."""
    assert offer.price is not None
    fixed: dict[str, Decimal] = {}
    for name in ("price", "regular_price", "member_price"):
        value = getattr(offer, name)
        if value is not None and (name != "member_price" or value >= offer.price / 2):
            fixed[name] = money(value / 100)
    before = {k: str(getattr(offer, k)) for k in fixed}
    after = {k: str(v) for k, v in fixed.items()}
    detail = f"price ${offer.price} was cents read as dollars (the store's unit price ${shelf}/{offer.unit} confirms)"
    return offer.model_copy(update=fixed), [Finding(Kind.CENTS_AS_DOLLARS, Action.REMEDIED, detail, before, after)]
