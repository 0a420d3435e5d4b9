"""Anomalies that need other prices to see: the product's own history and its class at other stores.

A product class is what a name says without its brand, size and neutral words ("Red Onions 1.36 kg"
and "Organic Red Onion" are both red onion), priced on the same basis (per kg, l or item).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache
from statistics import median

from grocery_scanner.text import words

Z_THRESHOLD = 3.5  # modified z-score (Iglewicz and Hoaglin)
MATERIAL = 1.5  # ... and at least this factor from the usual price: a 10% rise after months unchanged is real
PEER_FACTOR = 3.5  # a price this many times above or below its class at other stores and brands
AGREE_FACTOR = 2.0
MIN_HISTORY = 3
NEUTRAL = frozenset(
    "organic fresh large small medium jumbo extra club size pack bag value family the and with of"
    " g kg ml l lb oz ct pk x ea un".split()
)

ClassKey = tuple[str, ...]


@lru_cache(maxsize=65536)  # a name recurs at every store that sells the product
def class_key(name: str, brand: str | None, unit: str | None) -> ClassKey | None:
    if not unit:
        return None
    brand_words = _words(brand) if brand else frozenset()
    content = {w for w in _words(name) if w not in brand_words and w not in NEUTRAL and not any(c.isdigit() for c in w)}
    return (unit, *sorted(content)) if content else None


@lru_cache(maxsize=65536)  # names and brands recur across stores and sizes
def _words(text: str) -> frozenset[str]:
    return frozenset(words(text))


def modified_z(value: float, history: Sequence[float]) -> float:
    """How far `value` lies from the history's median, in robust standard deviations.

    With a median absolute deviation of 0 (most of the history one price), the mean absolute
    deviation stands in (scaled by 1.2533 to match a normal's standard deviation); with that 0
    too, any change is infinitely far."""
    centre = median(history)
    deviations = [abs(h - centre) for h in history]
    mad = median(deviations)
    if mad > 0:
        return 0.6745 * (value - centre) / mad
    mean_ad = sum(deviations) / len(deviations)
    if mean_ad > 0:
        return (value - centre) / (1.253314 * mean_ad)
    return 0.0 if value == centre else float("inf") if value > centre else float("-inf")


def history_outlier(value: float, history: Sequence[float]) -> str | None:
    """Why `value` is an outlier against the product's own history, or None."""
    if len(history) < MIN_HISTORY:
        return None
    usual = median(history)
    if usual / MATERIAL < value < usual * MATERIAL:  # not material, whatever its z: the common case, cheap
        return None
    z = modified_z(value, history)
    if abs(z) > Z_THRESHOLD:
        return f"${value:.2f} against a usual ${usual:.2f} over {len(history)} observations (z {z:.1f})"
    return None


def peer_outliers(members: Sequence[float], outside: Sequence[float] = ()) -> dict[int, str]:
    """Which of a class's unit prices in a batch are outliers among all its prices (`outside`: the same
    class seen elsewhere lately, judged by but not judged), by index, with why.

    A price far above its peers is condemned by at least two far below it that are no fewer than its own
    near peers with itself (scrape errors inflate: x10, x100, a per-kg price read as the package's, so a
    tie goes against the high side); a price far below them needs more than three times as many far above."""
    pool = sorted([*members, *outside])
    found = {}
    for i, value in enumerate(members):
        near = bisect_right(pool, value * AGREE_FACTOR) - bisect_left(pool, value / AGREE_FACTOR)  # itself too
        below = bisect_left(pool, value / PEER_FACTOR)
        above = len(pool) - bisect_right(pool, value * PEER_FACTOR)
        if below >= 2 and below >= near:
            far = pool[:below]
        elif above > 3 * near:
            far = pool[-above:]
        else:
            continue
        usual = median(far)
        found[i] = (
            f"{value / usual:.1f} times the ${usual:.2f} the same kind of product costs elsewhere ({len(far)} prices)"
        )
    return found
