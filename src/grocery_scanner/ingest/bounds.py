"""What a household could need: amounts and servings beyond these are mistakes, reported, never planned."""

from __future__ import annotations

import math

from grocery_scanner.models import Quantity, Unit

MAX_AMOUNT = {Unit.G: 50_000.0, Unit.ML: 50_000.0, Unit.EA: 1_000.0}  # 50 kg, 50 l, 1,000 items
MAX_SERVINGS = 1_000
LIMITS_TEXT = "at most 50 kg, 50 l or 1,000 items of one ingredient"


def too_much(quantity: Quantity | None) -> bool:
    """Whether an amount is not a finite number a household could buy."""
    return quantity is not None and not (
        math.isfinite(quantity.amount) and quantity.amount <= MAX_AMOUNT[quantity.unit]
    )


MAX_INPUT_BYTES = 5 * 1024 * 1024  # one recipe file or page
