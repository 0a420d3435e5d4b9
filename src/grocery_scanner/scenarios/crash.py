"""A plan killed with SIGKILL in the middle of its searches, then resumed.

The simulator runs in this process and the plans in subprocesses, so the kill takes only the plan, and
the simulator's log of every search it served shows what the resumed run asked again. The cache layer is
left out of the plans' fetch chain: what spares the stores here is the resume, not the cache."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grocery_scanner.simulator.server import Simulator
from grocery_scanner.stores.profiles import load_store_set

NO_CACHE = '["retry", "breaker", "metrics", "status", "pacing", "pool"]'


@dataclass
class CrashOutcome:
    run_id: str
    finished_before: int  # search pages done when the plan was killed
    pending_before: int
    resume_to_running_s: float  # from starting the resume to its first request reaching a store
    resumed_s: float  # the whole resumed process
    repeated_requests: int  # pages done before the kill that the resumed run asked for again
    items_lost: int  # the run's search pages neither done nor failed once it finished
    plan_equal: bool  # the same purchases and total as an uninterrupted run
    resumed_searches: int  # finished searches the resumed run kept
    reclaimed_searches: int  # searches in flight (leased by the killed process) that it took over


def _items(database: Path) -> list[tuple[str, str, str, int, str]]:
    """The search items so far; none while the database is still being created."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
            return connection.execute("SELECT run_id, store_id, query, page, status FROM search_items").fetchall()
    except sqlite3.OperationalError:  # no such table (yet)
        return []


def _purchases(plan_file: Path) -> tuple[list[tuple[Any, ...]], str]:
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    bought = [line for store in plan["stores"] for line in store["lines"]]
    keys = [(line["ingredient"], line["store_id"], line["sku"], line["packs"], line["line_cost"]) for line in bought]
    return sorted(keys), plan["total"]


async def _plan(args: list[str], data_dir: Path, store_set: Path, out: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "GROCERY_DATA_DIR": str(data_dir),
        "GROCERY_FETCH_LAYERS": NO_CACHE,
        "GROCERY_RUN_STALE_S": "1",  # the killed run counts as dead at once: no waiting in a test
        "GROCERY_HEARTBEAT_S": "0.3",
    }
    command = [sys.executable, "-m", "grocery_scanner", "plan", *args, "--store-set", str(store_set)]
    return await asyncio.create_subprocess_exec(
        *command, "-f", "json", "-o", str(out), env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _finish(process: asyncio.subprocess.Process, what: str) -> None:
    _, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{what} exited {process.returncode}: {err.decode()[-2000:]}")


async def crash_and_resume(inputs: list[str], workdir: Path, kill_at: float = 0.5, keep: bool = False) -> CrashOutcome:
    """Kills the plan once `kill_at` of its search pages are done, resumes it, and compares its plan with
    an uninterrupted run's."""
    profiles = load_store_set("demo").stores
    async with Simulator(profiles) as sim:
        store_set = sim.store_set_file(workdir / "stores.yaml")
        crashed, database = workdir / "crashed", workdir / "crashed" / "grocery.sqlite"
        first = await _plan(inputs, crashed, store_set, workdir / "killed.json")
        while first.returncode is None:
            await asyncio.sleep(0.05)
            items = _items(database) if database.exists() else []
            if items and sum(i[4] == "done" for i in items) >= kill_at * len(items):
                first.kill()  # SIGKILL: no handler runs, nothing is recorded on the way out
                await first.wait()
                break
        else:
            raise RuntimeError("the plan finished before it could be killed")
        await asyncio.sleep(0.5)  # requests already on their way when it died reach the simulator still
        items = _items(database)
        run_id = items[0][0]
        finished = {(i[1], i[2], i[3]) for i in items if i[4] == "done"}
        served = {store_id: len(store.searched) for store_id, store in sim.stores.items()}

        started = time.perf_counter()
        resumed = await _plan(["--resume", run_id], crashed, store_set, workdir / "resumed.json")
        running_at = None
        while resumed.returncode is None and running_at is None:
            await asyncio.sleep(0.01)
            if any(len(store.searched) > served[store_id] for store_id, store in sim.stores.items()):
                running_at = time.perf_counter()
        await _finish(resumed, "the resumed plan")
        resumed_s = time.perf_counter() - started
        asked_again = {
            (store_id, query, page)
            for store_id, store in sim.stores.items()
            for query, page in store.searched[served[store_id] :]
        }
        after = [i for i in _items(database) if i[0] == run_id]
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            stats = json.loads(
                connection.execute("SELECT stats FROM workflow_runs WHERE id = ?", (run_id,)).fetchone()[0]
            )

        clean = await _plan(inputs, workdir / "clean", store_set, workdir / "clean.json")
        await _finish(clean, "the uninterrupted plan")
    return CrashOutcome(
        run_id=run_id,
        finished_before=len(finished),
        pending_before=len(items) - len(finished),
        resume_to_running_s=round((running_at or time.perf_counter()) - started, 3),
        resumed_s=round(resumed_s, 3),
        repeated_requests=len(asked_again & finished),
        items_lost=sum(i[4] not in ("done", "failed", "dead", "cached") for i in after),
        plan_equal=_purchases(workdir / "resumed.json") == _purchases(workdir / "clean.json"),
        resumed_searches=int(stats.get("resumed_searches", 0)),
        reclaimed_searches=int(stats.get("reclaimed_searches", 0)),
    )
