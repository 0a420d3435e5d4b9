"""Plan throughput on 1, 2 and 4 worker processes, and each store's request rate across all of them.

For each worker count: one demo simulator in this process serves every worker (so it sees every
request they send), a fresh database, the queue on the machine's Redis; `--plans` plans (two example
recipes each, the cache layer left out so that every plan asks the stores) are recorded and enqueued as
the service does, and timed until every one has finished. The simulator's arrival log gives each store's
busiest one-second window against its configured rate.

    python bench/scale.py [--plans 12] [--redis redis://127.0.0.1:6379/13] [--database-url URL]

The workers share breakers and store rates through Redis (`shared_state_url`, another database on the
same server) unless `--local-state`. Last line JSON: workers (list), plans_per_s (list),
max_store_rate_ratio (the highest busiest-second rate over the configured rate, over every run; target
<= 1.05), store_rate_ratio (per run), succeeded (per run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import redis

from common import ROOT, emit

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.settings import Settings
from grocery_scanner.simulator.server import Simulator, busiest_second
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.storage.tables import RunRow
from grocery_scanner.stores.profiles import load_store_set
from grocery_scanner.workers.queue import connected, enqueue_plan, plan_queue
from grocery_scanner.workflow.plan_run import PlanRequest, record_plan

NO_CACHE = '["retry", "breaker", "metrics", "status", "pacing", "pool"]'
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


async def one_run(workers: int, plans: int, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    redis.Redis.from_url(args.redis).flushdb()
    if not args.local_state:
        redis.Redis.from_url(args.shared_state).flushdb()
    profiles = load_store_set("demo").stores
    data_dir = workdir / f"data-{workers}"
    async with Simulator(profiles) as sim:
        store_set = sim.store_set_file(workdir / f"stores-{workers}.yaml")
        env = {
            **os.environ,
            "GROCERY_DATA_DIR": str(data_dir),
            "GROCERY_QUEUE_URL": args.redis,
            "GROCERY_FETCH_LAYERS": NO_CACHE,
            "PYTHONPATH": str(ROOT / "src"),
        }
        if args.database_url:
            env["GROCERY_DATABASE_URL"] = args.database_url
        if not args.local_state:
            env["GROCERY_SHARED_STATE_URL"] = args.shared_state
        settings = Settings(
            data_dir=data_dir,
            queue_url=args.redis,
            database_url=args.database_url or None,  # type: ignore[arg-type]
        )
        db = await Database.open(database_url(settings))
        queue = await connected(plan_queue(settings))
        command = [sys.executable, "-m", "grocery_scanner", "worker", "--concurrency", "2"]
        processes = [
            await asyncio.create_subprocess_exec(
                *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
            )
            for _ in range(workers)
        ]
        try:
            await asyncio.sleep(3)  # the workers start (imports, the parser)
            texts = [path.read_text(encoding="utf-8") for path in EXAMPLES]
            started = time.perf_counter()
            ids = []
            for i in range(plans):
                request = PlanRequest(
                    inputs=[], texts=[texts[i % len(texts)], texts[(i + 3) % len(texts)]], store_set=str(store_set)
                )
                ids.append(await record_plan(request, db, status="queued"))
                await enqueue_plan(queue, ids[-1], settings)
            statuses: dict[str, str] = {}
            while len(statuses) < plans:
                await asyncio.sleep(0.25)
                async with db.session() as session:
                    for run_id in ids:
                        run = await session.get(RunRow, run_id)
                        if run is not None and run.status in ("succeeded", "failed", "cancelled", "timeout"):
                            statuses[run_id] = run.status
                if time.perf_counter() - started > args.deadline:
                    break
            wall = time.perf_counter() - started
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                await process.wait()
            await queue.disconnect()
            await db.close()
        ratios = [
            busiest_second(store.arrivals) / store.profile.limits.rate_per_s
            for store in sim.stores.values()
            if store.arrivals
        ]
    succeeded = sum(1 for s in statuses.values() if s == "succeeded")
    busiest = max(ratios)
    print(f"{workers} worker(s): {succeeded}/{plans} plans in {wall:.1f} s", file=sys.stderr)
    print(f"  the busiest store second was {busiest:.2f}x the store's rate", file=sys.stderr)
    return {"plans_per_s": round(succeeded / wall, 3), "ratio": round(busiest, 3), "succeeded": succeeded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=12)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="The queue's Redis (flushed).")
    parser.add_argument("--shared-state", default="redis://127.0.0.1:6379/12", help="Shared state's (flushed).")
    parser.add_argument("--local-state", action="store_true", help="Each worker keeps its own breakers and rates.")
    parser.add_argument("--database-url", default=None, help="e.g. PostgreSQL; default SQLite in a temp folder.")
    parser.add_argument("--deadline", type=float, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [asyncio.run(one_run(n, args.plans, args, Path(tmp))) for n in args.workers]
    emit(
        {
            "workers": args.workers,
            "plans_per_s": [r["plans_per_s"] for r in runs],
            "max_store_rate_ratio": max(r["ratio"] for r in runs),
            "store_rate_ratio": [r["ratio"] for r in runs],
            "succeeded": [r["succeeded"] for r in runs],
            "plans": args.plans,
            "shared_state": not args.local_state,
        }
    )


if __name__ == "__main__":
    main()
