"""Matching accuracy on real store catalogs (../shared/catalogs/), with hand-labelled cases.

Cases (bench/data/matching_real/): real-world recipes as recipe sites print them, one file per
writer, each recipe naming the catalog it is shopped in. A case line is
`line | acceptable products | look-alikes | reason`, products named as the catalog prints them.
They were written and labelled by writers who had not seen the matching rules, from the search
results `bench/real_candidates.py` shows. `tuning/` is used to improve the matcher; `holdout/` is
scored once, after tuning, and not used to tune. Sets A-C were tuned on from the start. Each later
set was written by a writer who never saw the rules, before the tuning round it measured, scored
once as the held-out set, then folded into tuning: D and E (first scored at precision 0.915, recall
0.884), F (0.934, 0.877), G (0.947, 0.857). H (12 recipes, 123 cases, written by a writer who never
saw the rules, scored once on 2026-11-29 at precision 0.963, recall 0.912), then folded into tuning
too. I (10 recipes, 104 cases, written the same way
while that tuning round was under way, without seeing it) was scored once on 2026-11-29 at precision
0.976, recall 0.854, then folded into tuning. J (10 recipes, 110 cases, written by a writer who never saw the rules,
before any change to them) was scored once on 2026-11-29 at precision 0.978, recall 0.873, then
folded into tuning. K (10 recipes, 106 cases, written the same way while J
was tuned on) was scored once on 2026-11-29 at precision 0.953, recall 0.827 (4 wrong buys: Pork Picnic
Shoulder for boneless pork shoulder, Lebanese bread for white bread, a canned leg ham, Milk Duds for
milk), then folded into tuning. L (10 recipes, 108 cases, written the same way while K was tuned on)
was scored once on 2026-11-29 at precision 0.979, recall 0.913 (2 wrong buys: Sugar Cones for sugar,
Farmer's Marble Cheese for farmer's cheese), then folded into tuning. M (10 recipes, 116 cases, written
the same way while L was tuned on) was scored once on 2026-11-29 at precision 0.956, recall 0.796 (4 wrong
buys: a punnet of mini romas for roma tomatoes, a dairy-free Bio "cheddar", a 450 g family-size jasmine
rice, a 4-pack of Greek yogurt), then folded into tuning. N (10 recipes, 121 cases, written the same
way while M was tuned on) was scored once on 2026-11-29 at precision 0.943, recall 0.776 (5 wrong buys:
a coconut MCT oil, a Panang curry paste for curry leaves, a pine-lime juice for lime juice, cooked deli
sliced beef for shabu-shabu beef, spring onions for an onion), then folded into tuning. O (10 recipes, 122
cases, written the same way while N was tuned on) was scored once on 2026-11-29 at precision 0.944, recall
0.843 (6 wrong buys: a microwave "family size" jasmine rice, jasmine rice for short-grain, American chili
powder for Kashmiri, a canned leg ham, a garden-salad tub for mixed leaves, and an 8-pack of boneless skinless
thighs its writer's reason accepts but its labels left out, relabelled after scoring), then folded into
tuning. The next set, P, is written in bench/data/holdout_next/ and moved to holdout/ when its round is
scored.
Labels name products, so a product outside the pool its writer saw counts as wrong even when the
writer's own reason says it is right; three such labels in the tuning sets were corrected
(fresh lemons, cornflour, cooked king prawns), none in the held-out set. Where products share a
name, a label may add the size as the candidates tool prints it ("Red Kidney Beans [900 g]": the
dried bag, not the cans); set I's dried kidney beans were relabelled so after it was scored.

Each line is parsed, its query typed into the catalog's search (the first two pages, served as
voila JSON and read by the voila connector) and the matcher chooses. Counted:
- precision: share of purchases (a product bought above the threshold) that are acceptable;
- recall: share of cases with an acceptable product that bought an acceptable one;
- wrong_buys: purchases of a product not labelled acceptable (unlabelled ones included);
- hard_cases: cases with nothing acceptable or with a labelled look-alike among the results;
- option_precision: share of the options handed to the optimizer that are acceptable;
- plan_precision: share of purchases where the option a plan buys (the cheapest) is acceptable;
- lines_per_s: parse + match per line (searches are done beforehand and not timed).
`-v` prints every wrong buy and miss; `--tuning-only` leaves the held-out set alone.
Last line: one JSON object.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, emit

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.ingest.recipes import shopping_needs
from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.models import Offer, Recipe, SourceRef
from grocery_scanner.models.match import MatchStatus
from real_catalogs import CATALOGS, catalog_names, catalog_sized_names, search

CASES = Path(__file__).parent / "data" / "matching_real"


@dataclass
class Case:
    catalog: str
    recipe: str
    line: str
    accept: frozenset[str]
    alike: frozenset[str]
    reason: str


def _names(field: str) -> frozenset[str]:
    return frozenset(n.strip() for n in field.split(" ; ") if n.strip())


def load_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(folder.glob("*.txt")):
        catalog = recipe = ""
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = raw.strip()
            if text.startswith("# "):
                recipe = text[2:]
            elif text.startswith("@catalog"):
                catalog = text.split()[1]
            elif text and not text.startswith("#"):
                if catalog not in CATALOGS:
                    raise SystemExit(f"{path}:{number}: no known @catalog before this case")
                line, accept, alike, reason = ([*text.split("|"), "", "", ""])[:4]
                cases.append(Case(catalog, recipe, line.strip(), _names(accept), _names(alike), reason.strip()))
    return cases


def _need(parser: LineParser, matcher: Matcher, line: str):
    recipe = Recipe(title="case", source="bench", ingredients=parser.parse(line, SourceRef(source="bench")))
    needs = shopping_needs([recipe], matcher.need_key)
    return needs[0] if needs and not needs[0].pantry else None


def evaluate(cases: list[Case], parser: LineParser, matcher: Matcher, verbose: bool) -> dict[str, object]:
    prepared: list[tuple[Case, list[Offer]]] = []
    skipped = 0
    for case in cases:
        need = _need(parser, matcher, case.line)
        if need is None:
            skipped += 1
            continue
        found = {o.product.sku: o for query in matcher.queries(need) for o in search(case.catalog, query)}
        prepared.append((case, list(found.values())))

    purchases = good = sellable = found = options = good_options = hard = planned = 0
    started = time.perf_counter()
    for case, offers in prepared:
        names, sized = catalog_names(case.catalog), catalog_sized_names(case.catalog)
        labels = {sku: (names[sku], sized[sku]) for sku in (o.product.sku for o in offers)}

        def acceptable(sku: str, case: Case = case, labels: dict[str, tuple[str, str]] = labels) -> bool:
            return not case.accept.isdisjoint(labels[sku])

        result = matcher.match(_need(parser, matcher, case.line), offers)
        skus = [o.offer.product.sku for o in result.options]
        name_of = [names[sku] for sku in skus]
        bought = result.status is MatchStatus.MATCHED
        right = bought and acceptable(skus[0])
        if bought:  # what a plan buys at this store: the cheapest of the options it is handed
            cheapest = min(range(len(skus)), key=lambda i: (result.options[i].cost, -result.options[i].confidence))
            planned += acceptable(skus[cheapest])
        purchases += bought
        good += right
        sellable += bool(case.accept)
        found += right
        options += len(skus)
        good_options += sum(acceptable(sku) for sku in skus)
        if verbose:
            for option, sku, name in zip(result.options, skus, name_of, strict=True):
                if not acceptable(sku):
                    print(f"[{case.catalog}] {case.line!r}: option {name!r} {option.confidence}", file=sys.stderr)
        shown = {names[o.product.sku] for o in offers}
        hard += not case.accept or bool(shown & case.alike)
        if verbose and ((bought and not right) or (case.accept and not bought)):
            if bought:
                what = f"WRONG  {name_of[0]!r}"
                why = result.options[0].reasons
            else:
                top = result.candidates[0] if result.candidates else None
                what = (
                    f"MISSED ({result.status.value}; best {names[top.offer.product.sku]!r} {top.confidence})"
                    if top
                    else f"MISSED ({result.status.value})"
                )
                why = top.reasons if top else ()
            print(f"[{case.catalog}] {case.line!r}: {what} {'; '.join(why)}", file=sys.stderr)
            for refused in result.rejected[:3] if not bought else ():
                print(f"      refused {refused.product!r}: {refused.reason}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    return {
        "cases": len(prepared),
        "hard_cases": hard,
        "skipped_pantry": skipped,
        "precision": round(good / purchases, 3) if purchases else None,
        "recall": round(found / sellable, 3) if sellable else None,
        "wrong_buys": purchases - good,
        "option_precision": round(good_options / options, 3) if options else None,
        "plan_precision": round(planned / purchases, 3) if purchases else None,
        "lines_per_s": round(len(prepared) / elapsed),
    }


def main() -> None:
    parser, matcher = LineParser(), Matcher()
    verbose = "-v" in sys.argv
    figures = evaluate(load_cases(CASES / "tuning"), parser, matcher, verbose)
    held_out = load_cases(CASES / "holdout")
    if "--tuning-only" not in sys.argv and held_out:  # between rounds the held-out folder may be empty
        holdout = evaluate(held_out, parser, matcher, verbose and "--holdout-verbose" in sys.argv)
        figures.update({f"holdout_{k}": v for k, v in holdout.items() if k != "lines_per_s"})
    emit(figures)


if __name__ == "__main__":
    main()
