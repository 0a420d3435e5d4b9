"""The part-of-speech tagger ingredient-parser-nlp needs, with an offline fallback.

ingredient-parser-nlp tags tokens with NLTK's averaged-perceptron tagger before its CRF model
labels them. Where that tagger's data is neither installed nor downloadable, we feed the same
CRF model from a rule-based tagger (the package's own ingredient tag dictionary, a closed-class
lexicon and suffix rules), and say so once.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from functools import cache
from typing import Literal

RESOURCE = "taggers/averaged_perceptron_tagger_eng/averaged_perceptron_tagger_eng.weights.json"
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
}
_NUMBER = re.compile(r"^[\d½⅓⅔¼¾⅕⅛.,/\-–x#]+$")
_SUFFIXES = [("ly", "RB"), ("ed", "VBN"), ("ing", "VBG"), ("ous", "JJ"), ("ful", "JJ"), ("ic", "JJ"), ("s", "NNS")]


def fallback_pos_tag(tokens: list[str]) -> list[tuple[str, str]]:
    """Tag tokens without NLTK data: dictionaries first, then number and suffix rules, else NN."""
    from ingredient_parser.en._loaders import load_ingredient_tagdict

    tagdict = load_ingredient_tagdict()
    tagged = []
    for token in tokens:
        lower = token.lower()
        tag = tagdict.get(lower) or _CLOSED_CLASS.get(lower)
        if tag is None and _NUMBER.match(token):
            tag = "CD"
        if tag is None:
            tag = next((t for suffix, t in _SUFFIXES if lower.endswith(suffix) and len(lower) > len(suffix) + 2), "NN")
        tagged.append((token, tag))
    return tagged


@cache
def perceptron_available() -> bool:
    import nltk

    try:
        nltk.data.find(RESOURCE)
    except LookupError:
        return False
    return True


@cache
def _original_pos_tag() -> Callable[[list[str]], list[tuple[str, str]]]:
    if perceptron_available():
        from ingredient_parser.en import preprocess
    else:
        # the package tries to download the tagger when it is imported; offline that prints a
        # download error to stdout. Skip the attempt (the caller warns once instead).
        import nltk.downloader

        real_download = nltk.downloader.download
        nltk.downloader.download = lambda *args, **kwargs: False
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                from ingredient_parser.en import preprocess
        finally:
            nltk.downloader.download = real_download
    return preprocess.pos_tag


def use_tagger(kind: Literal["auto", "perceptron", "fallback"] = "auto") -> str:
    """Select the tagger the parser uses; returns the one in effect ("perceptron" or "fallback")."""
    original = _original_pos_tag()
    from ingredient_parser.en import preprocess

    chosen = kind
    if kind == "auto":
        chosen = "perceptron" if perceptron_available() else "fallback"
    if chosen == "perceptron" and not perceptron_available():
        raise RuntimeError(FALLBACK_WARNING)
    preprocess.pos_tag = original if chosen == "perceptron" else fallback_pos_tag  # type: ignore[assignment]
    return chosen
