"""Word normalisation shared by search, matching and the simulator."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9%.]+")


def normalise_word(word: str) -> str:
    """A crude singular: tomatoes -> tomato, eggs -> egg, glass stays glass."""
    if len(word) > 4 and word.endswith(("oes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [normalise_word(w.strip(".")) for w in _WORD.findall(text.lower().replace("-", " ")) if w.strip(".")]
