"""Match every shopping need against the offers the stores returned for it."""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from grocery_scanner.matching.packs import plan_packs
from grocery_scanner.matching.rules import (
    FORM_WORDS,
    NEUTRAL_WORDS,
    PREPARATION_WORDS,
    MatchRules,
    exclusive_conflict,
)
from grocery_scanner.matching.score import THRESHOLD, Target, score
from grocery_scanner.models import Need, Offer
from grocery_scanner.models.match import MatchStatus, NeedMatch, Option, Rejection

OPTIONS_PER_STORE = 4
REVIEW_CANDIDATES = 3
REJECTIONS_SHOWN = 5
CONFIDENCE_BAND = 0.08
# what a stand-in the recipe allows ("ghee or unsalted butter") costs in confidence; it is bought only at
# stores that do not sell the first choice
STAND_IN = 0.1
# words a store's product names rarely print although the matcher checks them ("dried oregano" is
# sold as "Oregano Leaves" in the spice aisle)
QUERY_SKIP = frozenset({"dried"})
# grain lengths the scorer joins ("short grain" -> "shortgrain"), typed into a store's search as stores print
# them; not "wholegrain", which Australian stores print joined
QUERY_SPELLING = {"shortgrain": "short grain", "mediumgrain": "medium grain", "longgrain": "long grain"}
STOP_WORDS = frozenset({"of", "and", "or", "a", "the", "for", "to"})


def _alike(a: str, b: str) -> bool:
    """The same word, or its spelling variant: one letter added, dropped or changed in a long word,
    past its first letters ("chilli", "chili"; "yoghurt", "yogurt"); "salted" and "unsalted" differ
    at the start, and short words never vary."""
    return a == b or (min(len(a), len(b)) >= 5 and a[:3] == b[:3] and Levenshtein.distance(a, b) == 1)


class Matcher:
    def __init__(self, rules: MatchRules | None = None) -> None:
        self.rules = rules or MatchRules.load()

    def need_key(self, name: str) -> str:
        """What makes two ingredient names the same thing to buy."""
        tokens = self.rules.canonical(name).split()
        return " ".join([t for t in tokens if t not in PREPARATION_WORDS or t in FORM_WORDS] or tokens)

    def same_product(self, a: str, b: str) -> bool:
        """Whether two search queries name the same product: the same words once synonyms are folded
        (no word dropped, not even a preparation: "fresh" and "shredded" mozzarella differ), the same
        last word ("chocolate milk" is not "milk chocolate"), the others in any order, a word matching
        its spelling variant ("yoghurt", "chilli"); never two variants of one kind ("sweetened" and
        "unsweetened", "red" and "white")."""
        left, right = self.rules.canonical(a).split(), self.rules.canonical(b).split()
        if not left or len(left) != len(right) or exclusive_conflict(set(left), set(right)):
            return False
        if not _alike(left[-1], right[-1]):
            return False
        unmatched = list(right)
        for word in left:
            partner = next((w for w in unmatched if _alike(w, word)), None)
            if partner is None:
                return False
            unmatched.remove(partner)
        return True

    def queries(self, need: Need) -> list[str]:
        """What to type into a store's search box for this need (words that name the product).

        The usual name of the ingredient first, then the cook's own words when they differ: stores
        name products in their country's words ("Beef Mince", "Ground Beef").
        """
        return list(dict.fromkeys(_query(t) for t, _ in self._targets(need)))

    def _targets(self, need: Need) -> list[tuple[Target, float]]:
        """The ingredient under its usual name and, when they differ, in the cook's own words; then the
        stand-ins its lines allow ("or unsalted butter"), each with what it costs in confidence."""
        usual = Target.of(need, self.rules)
        own = Target.of(need, MatchRules())
        # own words that lost a word to the preparation list ("whole milk") say less than the usual name
        dropped = set(own.name.split()) - set(own.content) - STOP_WORDS
        named = [usual] if own.name == usual.name or dropped else [usual, own]
        stand_ins = [need.model_copy(update={"name": a, "alternatives": []}) for a in need.alternatives]
        return [(t, 0.0) for t in named] + [(Target.of(s, self.rules), STAND_IN) for s in stand_ins]

    def match(self, need: Need, offers: list[Offer]) -> NeedMatch:
        if need.pantry:
            return NeedMatch(need=need, status=MatchStatus.PANTRY)
        targets = self._targets(need)
        acceptable: list[Option] = []
        stand_ins: set[int] = set()
        review: list[Option] = []
        rejected: dict[str, Rejection] = {}
        for offer in offers:
            if not offer.available:
                continue
            verdict, handicap = max(
                ((score(t, offer.product, self.rules), cost) for t, cost in targets),
                key=lambda scored: scored[0].confidence - scored[1],
            )
            if verdict.confidence <= 0:
                if verdict.look_alike and len(rejected) < REJECTIONS_SHOWN:
                    name = offer.product.name
                    rejected.setdefault(
                        name, Rejection(store_id=offer.product.store_id, product=name, reason=verdict.reasons[0])
                    )
                continue
            # a flyer line naming several products is less certain than a product page
            confidence = round((verdict.confidence - handicap) * min(1.0, offer.confidence + 0.1), 3)
            reasons = verdict.reasons
            if handicap:
                reasons = (*reasons, f"instead of {need.name}, as the recipe allows")
            plan = plan_packs(need, offer)
            option = Option(
                store_id=offer.product.store_id,
                offer=offer,
                confidence=confidence,
                reasons=reasons,
                packs=plan.packs,
                cost=plan.cost,
                covers=plan.covers,
                note=plan.note,
            )
            (acceptable if confidence >= THRESHOLD else review).append(option)
            if handicap:
                stand_ins.add(id(option))
        # a stand-in only at a store without the first choice
        first_choice = {o.store_id for o in acceptable if id(o) not in stand_ins}
        acceptable = _top_per_store([o for o in acceptable if id(o) not in stand_ins or o.store_id not in first_choice])
        review.sort(key=lambda o: -o.confidence)
        status = MatchStatus.MATCHED if acceptable else MatchStatus.NEEDS_REVIEW if review else MatchStatus.UNAVAILABLE
        return NeedMatch(
            need=need,
            status=status,
            options=acceptable,
            candidates=review[:REVIEW_CANDIDATES],
            rejected=list(rejected.values()),
        )


def _query(target: Target) -> str:
    words = [w for w in target.content if w not in NEUTRAL_WORDS and w not in QUERY_SKIP] or list(target.content)
    return " ".join(QUERY_SPELLING.get(w, w) for w in words)


def _top_per_store(options: list[Option]) -> list[Option]:
    """The most confident options of each store, best first overall.

    Only options close to the best one are kept: the optimizer picks among them by cost, so a
    cheaper but clearly worse fit (brown sugar for "sugar") must not reach it.
    """
    options.sort(key=lambda o: (-o.confidence, o.cost))
    if options:
        floor = options[0].confidence - CONFIDENCE_BAND
        options = [o for o in options if o.confidence >= floor]
    kept: list[Option] = []
    per_store: dict[str, int] = {}
    for option in options:
        if per_store.get(option.store_id, 0) < OPTIONS_PER_STORE:
            kept.append(option)
            per_store[option.store_id] = per_store.get(option.store_id, 0) + 1
    return kept
