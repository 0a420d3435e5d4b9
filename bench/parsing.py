"""Ingredient-line parsing accuracy on hand-labelled lines (bench/data/ingredient_lines.tsv).

A line is right when its name, quantity (lower bound of a range) and unit are all right.
Names compare as word sets after singularising and dropping size words the parser reports
separately (fresh, large, small, medium), which do not change what is bought.
Last line: JSON with lines, sentence_accuracy, name_accuracy, quantity_accuracy, unit_accuracy,
fallback_sentence_accuracy (same lines, in a process where NLTK's tagger is missing, so the offline
stand-in is chosen) and lines_per_s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, emit

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.ingest.tagger import choose_tagger
from grocery_scanner.text import words

DATA = Path(__file__).parent / "data" / "ingredient_lines.tsv"
SIZE_WORDS = {"fresh", "large", "small", "medium"}


def labelled() -> list[tuple[str, str, float | None, str]]:
    rows = []
    for raw in DATA.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        line, name, quantity, unit = ([*raw.split("\t"), "", "", ""])[:4]
        rows.append((line, name, float(quantity) if quantity else None, unit.strip()))
    return rows


def _name(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if w not in SIZE_WORDS)


def _unit(unit: object) -> str:
    text = str(unit or "").lower().strip()
    if text.endswith("es") and text[:-2] in {"pinch", "bunch", "dash"}:
        return text[:-2]
    return text[:-1] if text.endswith("s") and len(text) > 2 else text


def evaluate() -> dict[str, float]:
    """Accuracy with the tagger this process chose."""
    tagger = choose_tagger()
    from ingredient_parser import parse_ingredient

    rows = labelled()
    names = quantities = units = sentences = 0
    for line, name, quantity, unit in rows:
        parsed = parse_ingredient(line)
        got_name = " ".join(n.text for n in parsed.name)
        amount = parsed.amount[0] if parsed.amount else None
        try:
            got_quantity = float(amount.quantity) if amount is not None else None
        except (AttributeError, TypeError, ValueError):  # composite or text amounts ("1 dozen")
            got_quantity = None
        got_unit = _unit(getattr(amount, "unit", "")) if amount is not None else ""
        ok_name = _name(got_name) == _name(name)
        ok_quantity = (got_quantity is None and quantity is None) or (
            got_quantity is not None
            and quantity is not None
            and abs(got_quantity - quantity) <= 0.01 * max(1, quantity)
        )
        ok_unit = got_unit == unit
        names += ok_name
        quantities += ok_quantity
        units += ok_unit
        sentences += ok_name and ok_quantity and ok_unit
        if not (ok_name and ok_quantity and ok_unit) and "-v" in sys.argv:
            print(f"[{tagger}] {line!r}: name={got_name!r} qty={got_quantity} unit={got_unit!r}", file=sys.stderr)
    n = len(rows)
    return {"lines": n, "sentence": sentences / n, "name": names / n, "quantity": quantities / n, "unit": units / n}


def throughput(seconds: float = 2.0) -> float:
    from grocery_scanner.ingest.lines import LineParser
    from grocery_scanner.models import SourceRef

    parser = LineParser()
    lines = [row[0] for row in labelled()]
    parsed, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for i, line in enumerate(lines):
            parser.parse(f"{line} ", SourceRef(source="bench", line=i))  # a new string defeats the caches
            parsed += 1
    return parsed / (time.perf_counter() - started)


def evaluate_without_nltk_tagger() -> dict[str, float]:
    """The same lines in a new process that finds no NLTK data, as on an offline machine."""
    done = subprocess.run(
        [sys.executable, __file__, "--without-nltk-tagger", *sys.argv[1:]], capture_output=True, text=True, check=True
    )
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    if "--without-nltk-tagger" in sys.argv:
        import nltk

        nltk.data.path.clear()  # this machine's NLTK data folders, as if none were installed
        print(json.dumps(evaluate()))
        return
    if choose_tagger() != "perceptron":
        raise SystemExit("NLTK's tagger is not installed here: point NLTK_DATA at ../shared/nltk_data")
    main_tagger = evaluate()
    fallback = evaluate_without_nltk_tagger()
    rate = throughput()
    emit(
        {
            "lines": main_tagger["lines"],
            "sentence_accuracy": round(main_tagger["sentence"], 3),
            "name_accuracy": round(main_tagger["name"], 3),
            "quantity_accuracy": round(main_tagger["quantity"], 3),
            "unit_accuracy": round(main_tagger["unit"], 3),
            "fallback_sentence_accuracy": round(fallback["sentence"], 3),
            "lines_per_s": round(rate),
        }
    )


if __name__ == "__main__":
    main()
