"""The quality gate: offers in; accepted (some remedied) and quarantined out, each with its findings and score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from grocery_scanner.models import Offer, SoldBy, utcnow
from grocery_scanner.quality.anomalies import MIN_HISTORY, ClassKey, class_key, history_outlier, peer_outliers
from grocery_scanner.quality.checks import validate
from grocery_scanner.quality.findings import Action, Finding, Kind
from grocery_scanner.quality.scores import StoreScore, offer_score

ProductKey = tuple[str, str]  # store, sku


@dataclass
class Verdict:
    offer: Offer  # as the optimizer will see it: corrected where a remedy applied
    findings: list[Finding]
    score: float = 1.0

    @property
    def quarantined(self) -> bool:
        return any(f.action is Action.QUARANTINED for f in self.findings)

    @property
    def remedied(self) -> bool:
        return any(f.action is Action.REMEDIED for f in self.findings)

    @property
    def reason(self) -> str:
        return "; ".join(f.detail for f in self.findings if f.action is not Action.FLAGGED)


@dataclass
class GateReport:
    verdicts: dict[ProductKey, Verdict] = field(default_factory=dict)
    stores: dict[str, StoreScore] = field(default_factory=dict)
    stale_stores: dict[str, str] = field(default_factory=dict)
    judged_at: datetime = field(default_factory=utcnow)
    # accepted offers nothing could vouch for: no history of their own, too few of their class to compare
    unverified: set[ProductKey] = field(default_factory=set)
    asked_elsewhere: dict[str, int] = field(default_factory=dict)  # requests to other stores, to compare with
    held: int | None = None  # offers the quarantine holds after this batch (all batches), once recorded

    @property
    def quarantined(self) -> list[Verdict]:
        return [v for v in self.verdicts.values() if v.quarantined]

    @property
    def remedied(self) -> list[Verdict]:
        return [v for v in self.verdicts.values() if v.remedied]

    def summary(self) -> dict[str, object]:
        return {
            "offers": len(self.verdicts),
            "quarantined": len(self.quarantined),
            "remedied": len(self.remedied),
            "batch": StoreScore.combined(self.stores.values()).as_dict(),
            "stores": {store: score.as_dict() for store, score in self.stores.items()},
            "stale_stores": self.stale_stores,
            "unverified": len(self.unverified),
            "asked_elsewhere": self.asked_elsewhere,
            "held": self.held,
        }


class QualityGate:
    def __init__(self, currency: str = "CAD", now: datetime | None = None) -> None:
        self.currency = currency
        self.now = now

    def now_or_utc(self) -> datetime:
        return self.now or utcnow()

    def run(
        self,
        offers: Sequence[Offer],
        history: Mapping[ProductKey, Sequence[float]] | None = None,
        reference: Mapping[ClassKey, Sequence[float]] | None = None,
        stale_stores: Mapping[str, str] | None = None,
    ) -> GateReport:
        """`history`: each product's own recent prices (regular prices, accepted only); `reference`: unit
        prices recently seen for each product class, outside this batch; `stale_stores`: stores the
        staleness watch flagged, with why."""
        now = self.now_or_utc()
        history, reference = history or {}, reference or {}
        report = GateReport(stale_stores=dict(stale_stores or {}), judged_at=now)
        classes: dict[ClassKey, list[tuple[ProductKey, float]]] = {}
        for original in offers:
            key = (original.product.store_id, original.product.sku)
            if key in report.verdicts:
                continue
            offer, findings = validate(original, self.currency)
            verdict = report.verdicts[key] = Verdict(offer, findings)
            if verdict.quarantined or offer.price is None:
                continue
            past = history.get(key, ())
            if past and (why := history_outlier(float(offer.regular_price or offer.price), past)):
                findings.append(Finding(Kind.HISTORY_OUTLIER, Action.QUARANTINED, f"price {why}"))
                continue
            unvouched = len(past) < MIN_HISTORY
            if (priced := _unit_price(offer)) is not None:
                unit_price, unit = priced
                if (group := class_key(offer.product.name, offer.product.brand, unit)) is not None:
                    classes.setdefault(group, []).append((key, unit_price))
                    unvouched = False  # until its class proves too small (_peers)
            if unvouched:
                report.unverified.add(key)
        self._peers(report, classes, reference, history)
        for key, verdict in report.verdicts.items():
            flagged = key[0] in report.stale_stores
            verdict.score = offer_score(verdict.offer, verdict.findings, now, flagged)
            report.stores.setdefault(key[0], StoreScore()).add(verdict.offer, verdict.findings)
        return report

    @staticmethod
    def _peers(
        report: GateReport,
        classes: dict[ClassKey, list[tuple[ProductKey, float]]],
        reference: Mapping[ClassKey, Sequence[float]],
        history: Mapping[ProductKey, Sequence[float]],
    ) -> None:
        for group, members in classes.items():
            outside = reference.get(group, ())
            if len(members) + len(outside) < 3:
                report.unverified.update(key for key, _ in members if len(history.get(key, ())) < MIN_HISTORY)
                continue
            for i, why in peer_outliers([value for _, value in members], outside).items():
                key, value = members[i]
                detail = f"unit price ${value:.2f}/{group[0]} is {why}"
                report.verdicts[key].findings.append(Finding(Kind.PEER_OUTLIER, Action.QUARANTINED, detail))


def _unit_price(offer: Offer) -> tuple[float, str] | None:
    """Offer.unit_price as a float, without its exact money arithmetic: the gate compares ratios."""
    if offer.sold_by is SoldBy.WEIGHT and offer.price_per_kg is not None:
        return float(offer.price_per_kg), "kg"
    size = offer.product.size
    if offer.price is None or size is None:
        return None
    unit = size.each.unit
    return float(offer.price) * float(unit.basis_factor) / (size.count * size.each.amount), unit.price_basis
