"""The part-of-speech tagger ingredient-parser-nlp needs, with an offline fallback.

ingredient-parser-nlp tags tokens with NLTK's averaged-perceptron tagger before its CRF model
labels them. Where that tagger's data is neither installed nor downloadable, we give NLTK a
stand-in model of the same format instead: a tag dictionary (a closed-class lexicon) and weights
that encode simple rules (numbers are CD, "-ly" RB, "-ed" VBN, "-ing" VBG, "-s" NNS, else NN).
It is written to a cache folder that is added to NLTK's data path after the user's own folders, so
the real tagger always wins where it is installed. The choice is made once per process, through
NLTK's own configuration: no function of another library is replaced.
"""

from __future__ import annotations

import itertools
import json
import os
import string
import tempfile
from functools import cache
from pathlib import Path
from typing import Literal

NAME = "averaged_perceptron_tagger_eng"
RESOURCE = f"taggers/{NAME}/{NAME}.weights.json"
MODEL_VERSION = "1"  # bump when the stand-in model changes: a new cache folder is written
FALLBACK_WARNING = (
    "NLTK tagger 'averaged_perceptron_tagger_eng' is not installed: ingredient lines are parsed with a "
    "simpler fallback tagger (less accurate). Install it with: python -m nltk.downloader averaged_perceptron_tagger_eng"
)

_CLOSED_CLASS = {
    **dict.fromkeys(["a", "an", "the", "each", "every", "some", "any", "this", "that"], "DT"),
    **dict.fromkeys(["of", "in", "into", "for", "with", "without", "from", "at", "on", "about", "per", "as"], "IN"),
    **dict.fromkeys(["and", "or", "but", "and/or", "nor"], "CC"),
    **dict.fromkeys(["to"], "TO"),
    **dict.fromkeys(["if", "until", "plus"], "IN"),
    **dict.fromkeys(["(", ")", "[", "]"], ","),
    **dict.fromkeys([",", ";", ":"], ","),
    **dict.fromkeys(["optional", "fresh", "large", "small", "medium", "whole", "extra", "low", "light"], "JJ"),
    **dict.fromkeys(["finely", "roughly", "thinly", "coarsely", "freshly", "lightly", "well", "very"], "RB"),
    **dict.fromkeys(list("½⅓⅔¼¾⅕⅛"), "CD"),
}
# word endings and their tags, most specific first; a longer ending wins over a shorter one
_ENDINGS = [("ous", "JJ"), ("ful", "JJ"), ("ing", "VBG"), ("ly", "RB"), ("ed", "VBN"), ("ic", "JJ"), ("s", "NNS")]


def _stand_in_model() -> tuple[dict[str, dict[str, float]], dict[str, str], list[str]]:
    """Weights, tag dictionary and classes of the rule-based stand-in, in NLTK's perceptron format."""
    letters = string.ascii_lowercase
    weights: dict[str, dict[str, float]] = {
        "bias": {"NN": 0.5},
        "i word !DIGITS": {"CD": 2.0},  # NLTK reads a token starting with a digit as !DIGITS
        "i word !YEAR": {"CD": 2.0},
        "i word !HYPHEN": {"JJ": 1.0},
    }
    # NLTK's feature is the last three characters of the word: spell each ending out to three
    for ending, tag in reversed(_ENDINGS):
        pad = 3 - len(ending)
        prefixes = ["".join(p) for p in itertools.product(letters, repeat=pad)]
        for prefix in prefixes:
            weights[f"i suffix {prefix}{ending}"] = {tag: 1.0 + 0.1 * len(ending)}
    tagdict = {**_CLOSED_CLASS, **{w.capitalize(): t for w, t in _CLOSED_CLASS.items()}}
    classes = sorted({"NN", "CD", "JJ", *tagdict.values(), *(t for _, t in _ENDINGS)})
    return weights, tagdict, classes


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grocery-scanner" / f"nltk-fallback-{MODEL_VERSION}"


def _write_stand_in(root: Path) -> Path:
    folder = root / "taggers" / NAME
    if (folder / f"{NAME}.weights.json").is_file():
        return root
    folder.mkdir(parents=True, exist_ok=True)
    weights, tagdict, classes = _stand_in_model()
    for suffix, data in (("classes", classes), ("tagdict", tagdict), ("weights", weights)):
        temporary = folder / f".{NAME}.{suffix}.json.{os.getpid()}"
        temporary.write_text(json.dumps(data), encoding="utf-8")
        temporary.replace(folder / f"{NAME}.{suffix}.json")  # atomic: a concurrent reader sees a whole file
    return root


def perceptron_available() -> bool:
    import nltk

    try:
        found = nltk.data.find(RESOURCE)
    except LookupError:
        return False
    return not str(found).startswith(str(_cache_root()))


@cache
def choose_tagger() -> Literal["perceptron", "fallback"]:
    """The tagger in effect for this process, decided on first use: NLTK's, or the stand-in."""
    if perceptron_available():
        return "perceptron"
    import nltk

    try:
        root = _write_stand_in(_cache_root())
    except OSError:  # no writable cache folder: a folder of this process's own
        root = _write_stand_in(Path(tempfile.mkdtemp(prefix="grocery-scanner-nltk-")))
    nltk.data.path.append(str(root))
    return "fallback"
