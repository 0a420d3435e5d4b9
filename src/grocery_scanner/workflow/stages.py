"""The stages of the plan workflow, each a plain function of the previous stage's output.

Data flows forward only. Each (store, query) search happens once per run however many recipes
need it; progress events go to an optional callback so the CLI (and later the service) can show them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grocery_scanner.errors import CircuitOpen, FetchError, UserInputError
from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.ingest.readers import read_input, read_text
from grocery_scanner.ingest.recipes import parse_recipe, shopping_needs
from grocery_scanner.matching.matcher import Matcher
from grocery_scanner.models import Need, Offer, Recipe
from grocery_scanner.models.match import NeedMatch

if TYPE_CHECKING:
    from grocery_scanner.ingest.urls import UrlPolicy
    from grocery_scanner.stores.client import StoreClient, StoreResult
    from grocery_scanner.stores.profiles import StoreProfile


@dataclass(frozen=True)
class Progress:
    stage: str
    done: int
    total: int
    detail: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass
class Ingredients:
    recipes: list[Recipe]
    needs: list[Need]
    problems: list[str] = field(default_factory=list)


async def read_ingredients(
    inputs: list[str],
    parser: LineParser,
    matcher: Matcher,
    servings: float | None = None,
    url_policy: UrlPolicy | None = None,
    texts: Sequence[str] = (),
) -> Ingredients:
    """Stage 1: every input (files, URLs, and `texts`: recipes or lists pasted as text) to recipes and
    summed needs. An unreadable input stops the run."""
    if not inputs and not texts:
        raise UserInputError("no input given: name one or more recipe files, URLs or lists")
    raws = [raw for item in inputs for raw in await read_input(item, url_policy)]
    for number, text in enumerate(texts, 1):
        raws += read_text(text, f"pasted text {number}", f"Pasted recipe {number}")
    recipes = [parse_recipe(raw, parser, servings) for raw in raws]
    problems = [p for r in recipes for p in r.problems]
    needs = shopping_needs(recipes, matcher.need_key)
    if not needs:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        first = f": {problems[0]}{more}" if problems else ""
        raise UserInputError(f"no ingredient could be read from the inputs{first}")
    return Ingredients(recipes, needs, problems)


async def search_offers(
    client: StoreClient,
    profiles: list[StoreProfile],
    queries: list[str],
    progress: ProgressCallback | None = None,
    on_result: Callable[[StoreResult], Awaitable[None]] | None = None,
    deadline_s: float | None = None,
    finished: dict[tuple[str, str], StoreResult] | None = None,
) -> dict[str, list[StoreResult]]:
    """Stage 2: each distinct query at each store, once, concurrently; each search records its own
    outcome (offers or the failure), so one store's failure never stops the others.

    `on_result` receives each finished search as it finishes (the workflow records its prices
    then, while the other searches are still under way). `finished`: searches a resumed run had done,
    by store and query; they are not sent again."""
    unique = list(dict.fromkeys(queries))
    finished = finished or {}
    await client.preload(profiles, unique)  # the cache's answers for them, fetched from disk in one go
    total = len(unique) * len(profiles)
    results: dict[str, list[StoreResult]] = {q: [] for q in unique}
    for (_, query), result in finished.items():
        if query in results:
            results[query].append(result)
    done = sum(len(r) for r in results.values())

    async def one(profile: StoreProfile, query: str) -> None:
        nonlocal done
        result = await client.search(profile, query, deadline_s)
        results[query].append(result)
        if on_result is not None:
            await on_result(result)
        done += 1
        if progress:
            progress(Progress("search", done, total, f"{profile.name}: {query}"))

    try:
        async with asyncio.TaskGroup() as group:  # stopped (Ctrl-C, SIGTERM): every search cleans up first
            for query in unique:
                for profile in profiles:
                    if (profile.id, query) not in finished:
                        group.create_task(one(profile, query))
    except ExceptionGroup as failed:  # not a store's failure (each search keeps its own): a fault of ours
        raise failed.exceptions[0] from None
    order = {p.id: i for i, p in enumerate(profiles)}  # in the stores' order, not the order they finished:
    for per_query in results.values():  # equal prices then fall the same way in every run, resumed or not
        per_query.sort(key=lambda r: order.get(r.store_id, len(order)))
    return results


def match_needs(matcher: Matcher, needs: list[Need], offers: dict[str, list[StoreResult]]) -> list[NeedMatch]:
    """Stage 3: every need against the offers its queries found at every store."""
    matches = []
    for need in needs:
        found = list({_key(o): o for q in matcher.queries(need) for r in offers.get(q, []) for o in r.offers}.values())
        matches.append(matcher.match(need, found))
    return matches


def _key(offer: Offer) -> tuple[str, str]:
    return offer.product.store_id, offer.product.sku


def first_cause(errors: list[FetchError]) -> str:
    """The most common failure the store itself gave; an open breaker only follows from one."""
    causes = [e for e in errors if not isinstance(e, CircuitOpen)] or errors
    return Counter(e.message for e in causes).most_common(1)[0][0]


def failure_summary(results: list[StoreResult], names: dict[str, str] | None = None) -> list[str]:
    """One line per store whose searches failed: "Harbour Foods: 82 of 82 searches failed: HTTP 503"."""
    per_store: dict[str, list[StoreResult]] = {}
    for result in results:
        per_store.setdefault(result.store_id, []).append(result)
    lines = []
    for store_id, store_results in per_store.items():
        failed = [r.error for r in store_results if r.error is not None]
        if failed:
            name = (names or {}).get(store_id, store_id)
            line = f"{name}: {len(failed)} of {len(store_results)} searches failed: {first_cause(failed)}"
            if unsent := sum(isinstance(e, CircuitOpen) for e in failed):
                line += f" ({unsent} not sent: the store's circuit breaker was open)"
            lines.append(line)
    return lines
