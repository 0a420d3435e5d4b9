"""Quality scores: per offer (how far to trust its price) and per store (0 to 100)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from grocery_scanner.models import Offer
from grocery_scanner.quality.findings import Action, Finding, Kind

LOW = 0.6  # a plan line bought at an offer scored below this carries a warning
HALF_LIFE_DAYS = 7.0  # a price a week old counts half
FLAGGED = 0.55  # an offer used with a doubt (no pack size, a stale store, a label that disagrees): low
STALE_TIER = 0.6  # the store's last known price, served because it could not answer
CONSISTENCY = frozenset(
    {
        Kind.NOT_FINITE, Kind.OUT_OF_RANGE, Kind.CURRENCY, Kind.ABSURD_SIZE, Kind.SALE_ABOVE_REGULAR,
        Kind.DEEP_DISCOUNT, Kind.CENTS_AS_DOLLARS, Kind.DECIMAL_SHIFT, Kind.PER_KG_AS_PRICE,
        Kind.UNIT_PRICE_MISMATCH,
    }
)  # fmt: skip
ANOMALIES = frozenset({Kind.HISTORY_OUTLIER, Kind.PEER_OUTLIER})


def source_weight(offer: Offer) -> float:
    """API JSON above embedded page data above HTML above flyer above stale cache."""
    if offer.collection_method == "flyer" or offer.tier == "alternative":
        weight = 0.7
    elif "html" in offer.source_format:
        weight = 0.8
    elif offer.collection_method == "search-api":
        weight = 1.0
    else:  # data embedded in a page (Next.js data, JSON-LD)
        weight = 0.9
    return weight * STALE_TIER if offer.tier == "stale" else weight


def offer_score(offer: Offer, findings: list[Finding], now: datetime, store_flagged: bool = False) -> float:
    """0 to 1: the source's weight, the connector's own confidence, the price's age and any doubt."""
    age_days = max((now - offer.observed_at).total_seconds(), 0.0) / 86400
    score = min(source_weight(offer), offer.confidence) * 0.5 ** (age_days / HALF_LIFE_DAYS)
    if store_flagged or any(f.action is Action.FLAGGED for f in findings):
        score *= FLAGGED
    return round(score, 3)


@dataclass
class StoreScore:
    """Completeness, consistency and accuracy of one store's priced offers in a batch, each 0-100."""

    offers: int = 0
    complete: int = 0
    consistent: int = 0
    accurate: int = 0

    def add(self, offer: Offer, findings: list[Finding]) -> None:
        if offer.price is None:
            return
        kinds = {f.kind for f in findings}
        self.offers += 1
        self.complete += Kind.INCOMPLETE not in kinds
        self.consistent += not kinds & CONSISTENCY
        self.accurate += not kinds & ANOMALIES and not any(f.action is Action.QUARANTINED for f in findings)

    @classmethod
    def combined(cls, scores: Iterable[StoreScore]) -> StoreScore:
        """The scores of a whole batch, every store's offers together."""
        total = cls()
        for s in scores:
            total.offers, total.complete = total.offers + s.offers, total.complete + s.complete
            total.consistent, total.accurate = total.consistent + s.consistent, total.accurate + s.accurate
        return total

    def _share(self, count: int) -> float:
        return round(100 * count / self.offers, 1) if self.offers else 100.0

    def as_dict(self) -> dict[str, float | int]:
        completeness, consistency, accuracy = map(self._share, (self.complete, self.consistent, self.accurate))
        overall = round(0.3 * completeness + 0.35 * consistency + 0.35 * accuracy, 1)
        return dict(
            offers=self.offers, completeness=completeness, consistency=consistency, accuracy=accuracy, score=overall
        )


def doubts(offer: Offer, findings: list[Finding], now: datetime, store_flag: str | None = None) -> str:
    """Why an offer scored low, in words a shopper reads on a plan line."""
    reasons = [f.detail for f in findings if f.action is Action.FLAGGED]
    age_days = (now - offer.observed_at).total_seconds() / 86400
    if age_days >= 1:
        reasons.append(f"price seen {age_days:.0f} days ago")
    if offer.tier == "stale":
        reasons.append("the store's last known price (it did not answer)")
    elif offer.collection_method == "flyer" or offer.tier == "alternative":
        reasons.append("from the store's flyer")
    if offer.confidence < source_weight(offer):
        reasons.append("the store's page did not show it plainly")
    if store_flag:
        reasons.append(f"store may be stale: {store_flag}")
    return "; ".join(reasons) or "a less reliable source"
