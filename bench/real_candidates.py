"""Show the products a real catalog's search returns for recipe lines: the pool to label from.

    python bench/real_candidates.py --catalog superstore "2 tbsp butter" "1 onion, diced"

For each line: the parsed ingredient, the query the scanner would type into the store's search box,
and the products on the first two result pages for that query and for the ingredient's last word
(a broader search), with size and aisle. Labels name products by the name printed here.
"""

from __future__ import annotations

import argparse
import os

from common import ROOT

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.ingest.recipes import shopping_needs
from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.models import Recipe, SourceRef
from grocery_scanner.text import words
from real_catalogs import CATALOGS, catalog_search

POOL = 48


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--catalog", choices=sorted(CATALOGS), required=True)
    args.add_argument("lines", nargs="+")
    opts = args.parse_args()
    parser, matcher, index = LineParser(), Matcher(), catalog_search(opts.catalog)
    for line in opts.lines:
        recipe = Recipe(title="l", source="l", ingredients=parser.parse(line, SourceRef(source="l")))
        needs = shopping_needs([recipe], matcher.need_key)
        print(f"=== {line}")
        if not needs:
            print("    (nothing to buy: no ingredient parsed)")
            continue
        need = needs[0]
        if need.pantry:
            print("    (pantry item: the scanner does not buy it; leave this line out of the cases)")
            continue
        queries = matcher.queries(need)
        broad = (words(queries[0]) or queries)[-1]
        print(f"    ingredient: {need.name!r}  queries: {queries!r}  broader query: {broad!r}")
        seen: set[str] = set()
        for q in dict.fromkeys([*queries, broad]):
            for product in index.search(q)[:POOL]:
                if product.key not in seen:
                    seen.add(product.key)
                    print(f"    - {product.name}  [{product.size_text}] ({product.department or '-'})")


if __name__ == "__main__":
    main()
