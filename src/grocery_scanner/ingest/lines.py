"""One ingredient line to Ingredients, with ingredient-parser-nlp (a CRF model)."""

from __future__ import annotations

import re
from typing import Any

from grocery_scanner.errors import UserInputError
from grocery_scanner.ingest.bounds import LIMITS_TEXT, too_much
from grocery_scanner.ingest.tagger import choose_tagger
from grocery_scanner.ingest.units import PACKAGE_UNITS, to_base
from grocery_scanner.models import Ingredient, Quantity, SourceRef, Unit

PANTRY_PHRASES = ("to taste", "optional", "as needed", "if desired", "if needed", "for greasing")
NEVER_BOUGHT = {"water", "ice", "ice cube", "ice water", "hot water", "cold water", "boiling water"}
SEASONINGS = {"salt", "pepper", "black pepper", "salt and pepper", "kosher salt", "sea salt"}
_DOZEN = re.compile(r"^\s*(\d+(?:\.\d+)?)?\s*(?:a\s+)?dozen\b", re.I)
_NEGATIVE = re.compile(r"^\s*[-−]\d")  # "-3 cups flour"; "- 3 cups flour" is a bullet
_OR = re.compile(r"\bor\b", re.I)  # "ghee or unsalted butter": one thing to buy, the other instead
_GLOSS = re.compile(r"\s*\([^()]*\)")  # "fenugreek leaves (kasuri methi)": another name, not more to buy
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)](?!\d)|\[\s?[xX ]?\])\s*")


class LineError(UserInputError):
    """A line that names no ingredient."""


def strip_bullet(text: str) -> str:
    return _BULLET.sub("", text, count=1).strip()


class LineParser:
    """Parses ingredient lines with the tagger chosen for this process (NLTK's or the offline stand-in)."""

    def __init__(self) -> None:
        self.tagger = choose_tagger()
        from ingredient_parser import parse_ingredient

        self._parse = parse_ingredient

    def parse(self, text: str, source: SourceRef) -> list[Ingredient]:
        if _NEGATIVE.match(text):
            raise LineError(f"{source}: negative amount in '{text.strip()}'")
        line = strip_bullet(text)
        if not line:
            raise LineError(f"{source}: empty ingredient line")
        if not re.search(r"[A-Za-z]", line):
            raise LineError(f"{source}: no ingredient name in '{line}'")
        try:
            parsed = self._parse(line)
        except Exception as exc:  # the CRF pipeline raises assorted errors on odd input
            raise LineError(f"{source}: cannot parse '{line}' ({type(exc).__name__})") from exc
        names = [_GLOSS.sub("", n.text).strip() or n.text.strip() for n in parsed.name if n.text.strip()]
        if not names:
            raise LineError(f"{source}: no ingredient name found in '{line}'")
        alternatives: tuple[str, ...] = ()
        if len(names) > 1 and _OR.search(line):  # "salt and pepper" buys both; "ghee or butter" one of them
            names, alternatives = names[:1], tuple(names[1:])
        quantity, packages, amount_text, warnings, amount_conf = self._amount(parsed.amount, names[0])
        if too_much(quantity):
            raise LineError(f"{source}: amount too large in '{line}' ({LIMITS_TEXT})")
        comment = parsed.comment.text if parsed.comment else None
        preparation = parsed.preparation.text if parsed.preparation else None
        notes = f"{line} {comment or ''} {preparation or ''}".lower()
        confidence = min([n.confidence for n in parsed.name] + [amount_conf])
        out = []
        for name in names:
            key = name.lower()
            pantry = (
                any(p in notes for p in PANTRY_PHRASES)
                or key in NEVER_BOUGHT
                or (quantity is None and key in SEASONINGS)
            )
            out.append(
                Ingredient(
                    text=line,
                    name=name,
                    quantity=quantity,
                    packages=packages,
                    amount_text=amount_text,
                    preparation=preparation,
                    comment=comment,
                    pantry=pantry,
                    source=source,
                    warnings=tuple(warnings),
                    confidence=round(float(confidence), 3),
                    alternatives=alternatives,
                )
            )
        return out

    @staticmethod
    def _amount(amounts: list[Any], name: str) -> tuple[Quantity | None, bool, str | None, list[str], float]:
        if not amounts:
            return None, False, None, [], 1.0
        first = amounts[0]
        if hasattr(first, "combined"):  # "1 lb 2 oz": a composite amount
            total = first.combined()
            quantity, packages, warning = to_base(total.magnitude, total.units, name)
            return quantity, packages, first.text, [warning] if warning else [], first.confidence
        count = first.quantity_max if getattr(first, "RANGE", False) else first.quantity
        if isinstance(count, str):  # "1 dozen", "a few": the parser keeps these amounts as text
            if dozen := _DOZEN.match(count):
                eggs = Quantity(amount=12 * float(dozen.group(1) or 1), unit=Unit.EA)
                return eggs, False, first.text, [], first.confidence
            return None, False, first.text, [f"amount '{first.text}' is not a number"], first.confidence
        per_item = next((a for a in amounts[1:] if getattr(a, "SINGULAR", False)), None)
        unit_text = str(first.unit).lower().rstrip("s")
        if per_item is not None and (unit_text in PACKAGE_UNITS or unit_text == ""):
            size, _, warning = to_base(per_item.quantity, per_item.unit, name)
            if size is not None:
                total = Quantity(amount=round(float(count) * size.amount, 3), unit=size.unit)
                return total, False, f"{first.text} ({per_item.text})", [warning] if warning else [], first.confidence
        quantity, packages, warning = to_base(count, first.unit, name)
        return quantity, packages, first.text, [warning] if warning else [], first.confidence
