"""Word normalisation shared by search, matching and the simulator."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9%.]+")


IRREGULAR = {"leaves": "leaf", "halves": "half", "loaves": "loaf", "knives": "knife", "dozens": "dozen"}


def normalise_word(word: str) -> str:
    """A crude singular: tomatoes -> tomato, eggs -> egg, leaves -> leaf, glass stays glass."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) > 4 and word.endswith(("oes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase without accents: jalapeño -> jalapeno."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    text = fold(text)
    return [normalise_word(w.strip(".")) for w in _WORD.findall(text.replace("-", " ")) if w.strip(".")]
