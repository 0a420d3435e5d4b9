"""Matching accuracy on hand-labelled cases over the demo catalogs (bench/data/matching_cases.txt).

For each case the line is parsed, the two demo stores with plain product names are searched
in-process (their pages rendered and read back by the real connectors, no network), and the
matcher picks its best option. Counted:
- top1_accuracy: share of cases whose outcome is right: the best candidate is an acceptable product,
  or, where no store sells the ingredient, nothing is bought;
- precision: share of purchases (matches above the threshold) that are acceptable;
- coverage: share of cases with an acceptable product that were matched above the threshold;
- wrong_matches: purchases of a product that is not acceptable;
- option_precision: share of all options handed to the optimizer (any of which it may buy) that are acceptable;
- lines_per_s: parse + match per line (the searches are done beforehand and not timed);
- holdout_*: the same figures on bench/data/matching_cases_holdout.txt, cases written after the rules
  were tuned and never used to tune them.
Last line: one JSON object.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from common import ROOT, emit

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.ingest.recipes import shopping_needs
from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.models import Offer, Recipe, SourceRef
from grocery_scanner.models.match import MatchStatus, Option
from grocery_scanner.simulator import formats
from grocery_scanner.simulator.catalog import build_catalog
from grocery_scanner.simulator.search import CatalogSearch
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.stores.registry import get_connector

DATA = Path(__file__).parent / "data"
CASES = DATA / "matching_cases.txt"
HOLDOUT = DATA / "matching_cases_holdout.txt"  # written after tuning; never used to tune
STORES = ["maple-market", "northern-basket"]
PAGES = 2


def load_cases(path: Path = CASES) -> list[tuple[str, set[str], set[str]]]:
    cases = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            line, accept, alike = ([*raw.split("|"), "", ""])[:3]
            cases.append(
                (
                    line.strip(),
                    {a.strip() for a in accept.split(";") if a.strip()},
                    {a.strip() for a in alike.split(";") if a.strip()},
                )
            )
    return cases


class Stores:
    """The demo stores' search, rendering and parsing, in process."""

    def __init__(self) -> None:
        profiles = {p.id: p for p in load_store_set("demo").stores}
        self.stores = []
        for store_id in STORES:
            profile = profiles[store_id]
            catalog = build_catalog(store_id, (profile.simulator or {})["house_brand"], 42)
            self.stores.append((profile, CatalogSearch(catalog)))

    def offers(self, query: str) -> list[Offer]:
        found: list[Offer] = []
        for profile, search in self.stores:
            hits = search.search(query)
            for number in range(PAGES):
                chunk = hits[number * profile.page_size : (number + 1) * profile.page_size]
                if not chunk:
                    break
                page = formats.Page(chunk, number, profile.page_size, len(hits), query)
                body = formats.RENDERERS[profile.connector](page)
                found.extend(get_connector(profile.connector).parse(body, profile.id).offers)
        return found


def base_name(item: Offer | Option) -> str:
    offer = item.offer if isinstance(item, Option) else item
    return offer.product.name.removeprefix("Organic ")


def evaluate(path: Path, parser: LineParser, matcher: Matcher, stores: Stores) -> dict[str, object]:
    cases = load_cases(path)
    prepared = []
    for line, accept, alike in cases:
        recipe = Recipe(title="case", source="bench", ingredients=parser.parse(line, SourceRef(source="bench")))
        need = shopping_needs([recipe], matcher.need_key)[0]
        # a store's results for a broader query hold the look-alikes too: search for them as well
        offers = [o for query in [*matcher.queries(need), *sorted(alike)] for o in stores.offers(query)]
        prepared.append((line, accept, alike, offers))

    right = purchases = good_purchases = sellable = covered = options = good_options = 0
    started = time.perf_counter()
    for line, accept, _alike, offers in prepared:
        recipe = Recipe(title="c", source="b", ingredients=parser.parse(line, SourceRef(source="b")))
        result = matcher.match(shopping_needs([recipe], matcher.need_key)[0], offers)
        best = result.options[0] if result.options else (result.candidates[0] if result.candidates else None)
        bought = result.status is MatchStatus.MATCHED
        ok_buy = bought and base_name(result.options[0]) in accept
        purchases += bought
        good_purchases += ok_buy
        options += len(result.options)
        good_options += sum(base_name(o) in accept for o in result.options)
        if accept:
            sellable += 1
            covered += bought
            right += best is not None and base_name(best) in accept and bought
        else:
            right += not bought
        if "-v" in sys.argv and ((accept and not ok_buy) or (not accept and bought)):
            chosen = f"{base_name(best)} ({best.confidence})" if best else "-"
            print(
                f"{line!r}: {result.status.value}, best {chosen}, wanted {sorted(accept) or 'nothing'}", file=sys.stderr
            )
            for refused in result.rejected[:2]:
                print(f"    refused {refused.product}: {refused.reason}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    hard = sum(1 for _, accept, alike, offers in prepared if not accept or {base_name(o) for o in offers} & alike)
    return {
        "cases": len(cases),
        "hard_negative_cases": hard,
        "top1_accuracy": round(right / len(cases), 3),
        "precision": round(good_purchases / purchases, 3) if purchases else None,
        "coverage": round(covered / sellable, 3) if sellable else None,
        "wrong_matches": purchases - good_purchases,
        "option_precision": round(good_options / options, 3) if options else None,
        "lines_per_s": round(len(cases) / elapsed),
    }


def main() -> None:
    parser, matcher, stores = LineParser(), Matcher(), Stores()
    figures = evaluate(CASES, parser, matcher, stores)
    holdout = evaluate(HOLDOUT, parser, matcher, stores)
    figures.update({f"holdout_{k}": v for k, v in holdout.items() if k != "lines_per_s"})
    emit(figures)


if __name__ == "__main__":
    main()
