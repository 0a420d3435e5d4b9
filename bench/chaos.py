"""Plans while demo stores misbehave: the reliability layers measured at the simulator.

One long-lived set of services (one fetch chain: one pacer and one breaker per store, as in the
service) runs `--plans` plans (default 100, the example recipes in turn, `--parallel` at a time), as
interactive plans: one search gives up after `--search-deadline` seconds (default 6; the
search_deadline_s setting) in the baseline and chaos rounds alike, without the cache layer (it would
answer the repeated recipes, and the stores' faults would not be met):
- baseline: no faults;
- chaos: harbour-foods fails every request (503) and northern-basket answers 30% with 429
  (Retry-After 1 s);
- lossy: prairie-pantry answers 20% with 503: the offers it still delivers against the baseline
  (without the search deadline, as a batch refresh runs: what the retries recover);
- hang: one plan of all the example recipes while maple-market hangs past its timeout, against the
  same plan without faults (the issue's measure: 8 s fault-free, 109 s hanging before breakers).
Figures (last line, JSON): plans, plans_completed_ratio, requests_to_open_store (requests the failing
store received after its breaker first opened) with probes_allowed (half-open periods × probes),
p95_plan_s, baseline_p95_plan_s, p95_ratio, the share of searches that gave up at the deadline
(baseline and chaos), single_plan_s, hang_plan_s, max_window_rate_ratio (the
most requests any store received in one second, over its rate, in every run), offers_lost_ratio
(offers recorded from the lossy store against the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from common import ROOT, emit

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.reliability.breaker import BreakerState
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.server import busiest_second
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.storage.tables import OfferRow, ProductRow, SearchItemRow
from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*.txt"))
QUIET = {"latency_ms_median": 20, "latency_ms_p95": 60}


async def _round(
    parser: LineParser,
    data_dir: Path,
    plans: int,
    parallel: int,
    faults: dict[str, dict[str, Any]],
    inputs: list[str] | None = None,
    deadline_s: float | None = None,
) -> dict[str, Any]:
    """`plans` plans with the given faults; durations, completions, arrivals and breaker history."""
    settings = Settings(data_dir=data_dir, max_pages=1, run_timeout_s=600, search_deadline_s=deadline_s)
    # every plan asks the stores: the cache would answer the repeated recipes (bench/workflow.py has it)
    settings.fetch_layers = [name for name in settings.fetch_layers if name != "cache"]
    db = await Database.open(database_url(settings))
    async with Services(settings, line_parser=parser) as services:
        async with services.stores() as stores:  # starts the demo stores once, for every plan
            profiles = {p.id: p for p in stores.profiles}
        admin_url = next(iter(profiles.values())).base_url.rsplit("/", 1)[0]
        async with httpx.AsyncClient(base_url=admin_url) as admin:
            for store_id in profiles:
                await admin.put(f"/__admin/{store_id}/faults", json={**QUIET, **faults.get(store_id, {})})
            started_at = time.monotonic()
            gate = asyncio.Semaphore(parallel)
            durations: list[float] = []
            completed = 0

            async def one(n: int) -> None:
                nonlocal completed
                async with gate:
                    begun = time.perf_counter()
                    try:
                        chosen = inputs or [EXAMPLES[n % len(EXAMPLES)]]
                        await run_plan(PlanRequest(inputs=chosen), services, db)
                        completed += 1
                    except Exception as exc:  # a failed plan is a figure here, not a crash
                        print(f"plan {n} failed: {exc}")
                    durations.append(time.perf_counter() - begun)

            await asyncio.gather(*(one(n) for n in range(plans)))
            arrivals = {s: (await admin.get(f"/__admin/{s}/arrivals")).json() for s in profiles}
        chain = services.fetch_chain()
        breakers = chain.layers["breaker"].breakers if "breaker" in chain.layers else {}  # type: ignore[attr-defined]
        history = {s: list(b.transitions) for s, b in breakers.items()}
        probes = {s: b.policy.probes for s, b in breakers.items()}
    async with db.session() as session:  # every offer recorded, per store (one row per product per plan)
        rows = await session.execute(
            select(ProductRow.store_id, func.count()).join(OfferRow).group_by(ProductRow.store_id)
        )
        offers = dict(rows.all())
        given_up = await session.scalar(
            select(func.count()).select_from(SearchItemRow).where(SearchItemRow.failure_class == "SearchDeadline")
        )
        searches = await session.scalar(select(func.count()).select_from(SearchItemRow))
    await db.close()
    window = max(
        busiest_second([a for a in times if a >= started_at]) / profiles[s].limits.rate_per_s
        for s, times in arrivals.items()
        if times
    )
    return {
        "durations": durations,
        "completed": completed,
        "arrivals": arrivals,
        "history": history,
        "probes": probes,
        "window_ratio": window,
        "offers": offers,
        "deadline_ratio": (given_up or 0) / searches if searches else 0.0,
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


async def main(plans: int, parallel: int, deadline_s: float) -> None:
    parser = LineParser()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        baseline = await _round(parser, root / "baseline", plans, parallel, {}, deadline_s=deadline_s)
        chaos = await _round(
            parser,
            root / "chaos",
            plans,
            parallel,
            {"harbour-foods": {"error_rates": {"503": 1.0}}, "northern-basket": {"rate_limit_rate": 0.3}},
            deadline_s=deadline_s,
        )
        lossy_faults = {"prairie-pantry": {"error_rates": {"503": 0.2}}}
        lossy = await _round(parser, root / "lossy", plans, parallel, lossy_faults)  # retries given their time
        single = await _round(parser, root / "single", 1, 1, {}, EXAMPLES)
        hang_faults = {"maple-market": {"hang_rate": 1.0, "hang_s": 60}}
        hang = await _round(parser, root / "hang", 1, 1, hang_faults, EXAMPLES)

    opened = [t.at for t in chaos["history"].get("harbour-foods", []) if t.new is BreakerState.OPEN]
    after_open = sum(a > opened[0] for a in chaos["arrivals"]["harbour-foods"]) if opened else None
    half_opens = sum(t.new is BreakerState.HALF_OPEN for t in chaos["history"].get("harbour-foods", []))
    base_offers = baseline["offers"].get("prairie-pantry", 0)
    lossy_offers = lossy["offers"].get("prairie-pantry", 0)
    p95, base_p95 = _p95(chaos["durations"]), _p95(baseline["durations"])
    emit(
        {
            "plans": plans,
            "search_deadline_s": deadline_s,
            "plans_completed_ratio": round(chaos["completed"] / plans, 3),
            "requests_to_open_store": after_open,
            "probes_allowed": half_opens * chaos["probes"].get("harbour-foods", 0),
            "p95_plan_s": round(p95, 2),
            "baseline_p95_plan_s": round(base_p95, 2),
            "p95_ratio": round(p95 / base_p95, 2),
            "baseline_searches_past_deadline": round(baseline["deadline_ratio"], 4),
            "chaos_searches_past_deadline": round(chaos["deadline_ratio"], 4),
            "single_plan_s": round(single["durations"][0], 2),
            "hang_plan_s": round(hang["durations"][0], 2),
            "hang_ratio": round(hang["durations"][0] / single["durations"][0], 2),
            "max_window_rate_ratio": round(max(r["window_ratio"] for r in (baseline, chaos, lossy, single, hang)), 3),
            "offers_lost_ratio": round(1 - lossy_offers / base_offers, 4) if base_offers else None,
        }
    )


if __name__ == "__main__":
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--plans", type=int, default=100)
    options.add_argument("--parallel", type=int, default=10)
    options.add_argument("--search-deadline", type=float, default=6.0)
    arguments = options.parse_args()
    asyncio.run(main(arguments.plans, arguments.parallel, arguments.search_deadline))
