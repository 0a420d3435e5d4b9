"""The main job end to end over real HTTP against the simulator, with a real database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grocery_scanner.errors import GroceryError, UserInputError
from grocery_scanner.models.match import MatchStatus
from grocery_scanner.optimize.problem import Strategy
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.repository import price_history
from grocery_scanner.storage.tables import OfferRow, PlanRow, RunRow
from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
RECIPES = [str(EXAMPLES / "chicken-stir-fry.txt"), str(EXAMPLES / "pancakes.txt"), str(EXAMPLES / "recipes.json")]


async def _plan(settings, db, line_parser, **kw):
    services = Services(settings, line_parser=line_parser)
    return await run_plan(PlanRequest(inputs=kw.pop("inputs", RECIPES), **kw), services, db)


def _check_accounting(result) -> None:
    plan = result.plan
    for store in plan.stores:
        assert store.total == sum(line.line_cost for line in store.lines)
        for line in store.lines:
            if line.multi_buy is None:
                assert line.line_cost == line.price * line.packs
    assert plan.total == sum(store.total for store in plan.stores)
    # every need appears exactly once: bought, needs review, unavailable or pantry
    accounted = (
        [line.ingredient for line in plan.lines]
        + [i.ingredient for i in plan.needs_review + plan.unavailable]
        + plan.pantry
    )
    assert sorted(accounted) == sorted(m.need.name for m in result.matches)


async def test_cheapest_plan_is_the_optimum_of_the_offers_seen(settings, db, line_parser) -> None:
    result = await _plan(settings, db, line_parser, strategy=Strategy.CHEAPEST)
    _check_accounting(result)
    bought = [m for m in result.matches if m.status is MatchStatus.MATCHED]
    assert len(bought) >= 20
    # with no store limit the optimum buys every need at its cheapest acceptable option
    assert result.plan.total == sum(min(o.cost for o in m.options) for m in bought)
    assert result.plan.savings is not None and result.plan.savings >= 0
    assert len(result.plan.stores) >= 2  # each demo store is cheapest on something


async def test_one_store_plan_is_the_best_single_store(settings, db, line_parser) -> None:
    result = await _plan(settings, db, line_parser, max_stores=1)
    _check_accounting(result)
    bought = [m for m in result.matches if m.status is MatchStatus.MATCHED]
    per_store = {}
    for store in {o.store_id for m in bought for o in m.options}:
        costs = [min((o.cost for o in m.options if o.store_id == store), default=None) for m in bought]
        per_store[store] = (sum(c is None for c in costs), sum(c for c in costs if c is not None))
    best = min(per_store.values())
    assert len(result.plan.stores) == 1
    assert (len([u for u in result.plan.unavailable if "limits" in u.reason]), result.plan.total) == best
    assert result.plan.savings == Decimal(0)


@pytest.mark.parametrize("strategy", [Strategy.FEWEST_STORES, Strategy.BALANCED, Strategy.QUALITY])
async def test_other_strategies_make_consistent_plans(settings, db, line_parser, strategy) -> None:
    result = await _plan(settings, db, line_parser, strategy=strategy, max_stores=2)
    _check_accounting(result)
    assert 1 <= len(result.plan.stores) <= 2


async def test_prices_runs_and_plans_are_stored(settings, db, line_parser) -> None:
    result = await _plan(settings, db, line_parser, inputs=[str(EXAMPLES / "pancakes.txt")])
    async with db.session() as session:
        offers = await session.scalar(
            select(func.count()).select_from(OfferRow).where(OfferRow.run_id == result.run_id)
        )
        run = await session.get(RunRow, result.run_id)
        plans = await session.scalar(select(func.count()).select_from(PlanRow).where(PlanRow.run_id == result.run_id))
        history = await price_history(session, "unsalted butter")
    assert offers == result.stats["offers_recorded"] > 50
    assert run is not None and run.status == "succeeded" and run.stats["requests"] > 0
    assert plans == 1
    assert history and all("Unsalted Butter" in h.product for h in history)
    assert {h.store_id for h in history} == {"maple-market", "northern-basket", "harbour-foods", "prairie-pantry"}


async def test_a_failed_run_is_recorded_and_leaves_the_database_consistent(settings, db, line_parser, tmp_path) -> None:
    await _plan(settings, db, line_parser, inputs=[str(EXAMPLES / "pancakes.txt")])
    with pytest.raises(UserInputError, match="no such file"):
        await _plan(settings, db, line_parser, inputs=[str(tmp_path / "missing.txt")])
    with pytest.raises(UserInputError, match="unknown store set 'atlantis'"):
        await _plan(settings, db, line_parser, inputs=[str(EXAMPLES / "pancakes.txt")], store_set="atlantis")
    async with db.session() as session:
        runs = (await session.scalars(select(RunRow).order_by(RunRow.started_at))).all()
        plans = await session.scalar(select(func.count()).select_from(PlanRow))
    assert [r.status for r in runs] == ["succeeded", "failed", "failed"]
    assert "no such file" in runs[1].error and runs[1].finished_at is not None
    assert plans == 1


async def test_a_plans_store_requests_carry_its_priority(settings, db, line_parser) -> None:
    import httpx

    from grocery_scanner.reliability.priority import PRIORITY, Priority

    seen: set[Priority] = set()

    class Recording(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.add(PRIORITY.get())  # what the pacer ordered this request's turn by
            return await super().handle_async_request(request)

    services = Services(settings, transport=Recording(), line_parser=line_parser)
    request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")], priority=Priority.BATCH)
    result = await run_plan(request, services, db)
    assert result.stats["requests"] > 0 and seen == {Priority.BATCH}
    assert PRIORITY.get() is Priority.INTERACTIVE  # the plan's priority does not outlive its searches


async def test_unwritable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(UserInputError, match="cannot be opened for writing"):
        await Database.open(f"sqlite+aiosqlite:///{blocker / 'sub' / 'grocery.sqlite'}")


@pytest.mark.skipif(not os.environ.get("GROCERY_TEST_POSTGRES_URL"), reason="GROCERY_TEST_POSTGRES_URL not set")
async def test_postgresql_by_url(line_parser, tmp_path) -> None:
    url = os.environ["GROCERY_TEST_POSTGRES_URL"]
    settings = Settings(data_dir=tmp_path, database_url=url, max_pages=1)
    database = await Database.open(url)
    try:
        result = await _plan(settings, database, line_parser, inputs=[str(EXAMPLES / "pancakes.txt")])
        async with database.session() as session:
            run = await session.get(RunRow, result.run_id)
            offers = await session.scalar(
                select(func.count()).select_from(OfferRow).where(OfferRow.run_id == result.run_id)
            )
        assert run is not None and run.status == "succeeded" and offers == result.stats["offers_recorded"]
    finally:
        await database.close()


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GROCERY_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "grocery_scanner", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_cli_plan_writes_every_format(tmp_path: Path) -> None:
    recipe = str(EXAMPLES / "spaghetti-bolognese.txt")
    for fmt in ("json", "markdown", "csv", "table"):
        out = tmp_path / f"plan.{fmt}"
        done = _cli("plan", recipe, "--max-stores", "2", "--format", fmt, "--output", str(out), data_dir=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        text = out.read_text()
        if fmt == "json":
            plan = json.loads(text)
            assert Decimal(plan["total"]) == sum(Decimal(s["total"]) for s in plan["stores"])
        elif fmt == "csv":
            assert text.splitlines()[0].startswith("store,ingredient,product")
        else:
            assert "spaghetti" in text.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "nope.txt"], "nope.txt: no such file"),
        (["plan", "README.md", "--store-set", "atlantis"], "unknown store set 'atlantis'"),
        (["plan", "README.md", "--budget", "lots"], "budget: 'lots' is not a number"),
        (["plan", "README.md", "--max-stores", "0"], "--max-stores: must be at least 1"),
    ],
)
def test_cli_plan_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    done = _cli(*args, data_dir=tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_cli_unwritable_database(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    done = _cli("plan", str(EXAMPLES / "pancakes.txt"), data_dir=blocker / "data")
    assert done.returncode == 2 and "cannot be opened for writing" in done.stderr and "Traceback" not in done.stderr


async def test_every_search_failing_is_a_clear_failed_run(settings, db, line_parser, tmp_path) -> None:
    broken = tmp_path / "broken-stores.yaml"
    broken.write_text(
        "name: broken\nstores:\n"
        "  - id: down-store\n    name: Down Store\n    connector: voila\n    base_url: simulator\n"
        "    simulator: {faults: {latency_ms_median: 0, latency_ms_p95: 0, error_rates: {503: 1.0}}}\n"
    )
    with pytest.raises(GroceryError, match=r"every store search failed, e\.g\. down-store: HTTP 503"):
        await _plan(settings, db, line_parser, inputs=[str(EXAMPLES / "pancakes.txt")], store_set=str(broken))
    async with db.session() as session:
        run = (await session.scalars(select(RunRow))).one()
    assert run.status == "failed" and "HTTP 503" in run.error


def test_cli_usage_errors_have_no_traceback(tmp_path: Path) -> None:
    for args in (["plan"], ["no-such-command"], ["plan", "x.txt", "--strategy", "random"]):
        done = _cli(*args, data_dir=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr and "Usage" in done.stderr


async def test_a_run_over_its_time_limit_stops_and_is_recorded(settings, db, line_parser) -> None:
    from grocery_scanner.workflow.plan_run import RunTimeout

    with pytest.raises(RunTimeout, match=r"longer than 0\.05 s"):
        await _plan(settings, db, line_parser, inputs=[str(EXAMPLES / "pancakes.txt")], timeout_s=0.05)
    async with db.session() as session:
        run = (await session.scalars(select(RunRow))).one()
    assert run.status == "failed" and "longer than" in run.error


async def test_progress_events_cover_every_search(settings, db, line_parser) -> None:
    events = []
    request = PlanRequest(inputs=[str(EXAMPLES / "pancakes.txt")])
    await run_plan(request, Services(settings, line_parser=line_parser), db, progress=events.append)
    searches = [e for e in events if e.stage == "search"]
    assert searches and searches[-1].done == searches[-1].total == len(searches)
    assert [e.done for e in searches] == list(range(1, len(searches) + 1))
    stages = [e for e in events if e.stage == "stage"]
    assert [(e.detail, e.done, e.total) for e in stages] == [
        ("read", 1, 5),
        ("search", 2, 5),
        ("quality", 3, 5),
        ("match", 4, 5),
        ("optimise", 5, 5),
    ]


def test_cli_history_after_a_plan(tmp_path: Path) -> None:
    assert _cli("plan", str(EXAMPLES / "pancakes.txt"), "-f", "json", data_dir=tmp_path).returncode == 0
    done = _cli("history", "unsalted butter", "--format", "json", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and all("Unsalted Butter" in r["product"] and Decimal(r["price"]) > 0 for r in rows)
    assert {r["store_id"] for r in rows} == {"maple-market", "northern-basket", "harbour-foods", "prairie-pantry"}


def _concurrent_plans(env: dict[str, str], recipe: Path, count: int = 4) -> list[subprocess.CompletedProcess[str]]:
    command = [sys.executable, "-m", "grocery_scanner", "plan", str(recipe), "--format", "json"]
    procs = [
        subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=180), *p.communicate()) for p in procs]


def test_four_plans_at_once_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    recipe = tmp_path / "r.txt"
    recipe.write_text("2 cups milk\n3 eggs\n1 lb spaghetti\n")
    done = _concurrent_plans({"GROCERY_DATA_DIR": str(tmp_path)}, recipe)
    assert [d.returncode for d in done] == [0, 0, 0, 0], [d.stderr[-300:] for d in done]
    assert all("total" in json.loads(d.stdout) for d in done)


@pytest.mark.skipif(not os.environ.get("GROCERY_TEST_POSTGRES_URL"), reason="GROCERY_TEST_POSTGRES_URL not set")
def test_four_plans_at_once_on_postgresql(tmp_path: Path) -> None:
    recipe = tmp_path / "r.txt"
    recipe.write_text("2 cups milk\n3 eggs\n1 lb spaghetti\n")
    env = {"GROCERY_DATA_DIR": str(tmp_path), "GROCERY_DATABASE_URL": os.environ["GROCERY_TEST_POSTGRES_URL"]}
    done = _concurrent_plans(env, recipe)
    assert [d.returncode for d in done] == [0, 0, 0, 0], [d.stderr[-300:] for d in done]


SLOW_STORE = """name: slow
stores:
  - id: slow-store
    name: Slow Store
    connector: voila
    base_url: simulator
    page_size: 30
    limits: {rate_per_s: 20, concurrency: 2, timeout_s: 30}
    simulator:
      house_brand: Slow Value
      faults: {latency_ms_median: 4000, latency_ms_p95: 5000}
"""


def _searching(database: Path, timeout_s: float = 60) -> None:
    """Wait until the plan's process has registered its searches (a loaded machine starts it slowly)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(database) as connection:
                if connection.execute("SELECT count(*) FROM search_items").fetchone()[0]:
                    return
        except sqlite3.OperationalError:  # the file or its tables are not made yet
            pass
        time.sleep(0.2)
    pytest.fail("the plan never got to its searches")


@pytest.mark.parametrize(
    ("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_a_stopped_plan_is_recorded_as_interrupted(tmp_path: Path, sig: int, code: int, word: str) -> None:
    stores = tmp_path / "slow.yaml"
    stores.write_text(SLOW_STORE)
    recipe = tmp_path / "r.txt"
    recipe.write_text("2 cups milk\n3 eggs\n1 lb spaghetti\n")
    command = [sys.executable, "-m", "grocery_scanner", "plan", str(recipe), "--store-set", str(stores)]
    env = {**os.environ, "GROCERY_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _searching(tmp_path / "grocery.sqlite")  # then well into them: each takes seconds at this store
    time.sleep(1)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        f"{word}: the run was stopped and recorded as interrupted"
    ]
    with sqlite3.connect(tmp_path / "grocery.sqlite") as connection:
        assert connection.execute("SELECT status FROM workflow_runs").fetchall() == [("interrupted",)]


def test_a_killed_plan_shows_as_abandoned(tmp_path: Path) -> None:
    stores = tmp_path / "slow.yaml"
    stores.write_text(SLOW_STORE)
    recipe = tmp_path / "r.txt"
    recipe.write_text("2 cups milk\n3 eggs\n")
    env = {**os.environ, "GROCERY_DATA_DIR": str(tmp_path), "GROCERY_HEARTBEAT_S": "0.5", "GROCERY_RUN_STALE_S": "2"}
    command = [sys.executable, "-m", "grocery_scanner"]
    process = subprocess.Popen([*command, "plan", str(recipe), "--store-set", str(stores)], env=env)
    _searching(tmp_path / "grocery.sqlite")
    alive = subprocess.run([*command, "runs"], env=env, capture_output=True, text=True, timeout=60)
    assert "running" in alive.stdout and "abandoned" not in alive.stdout
    process.kill()
    process.wait(timeout=10)
    time.sleep(2.5)
    dead = subprocess.run([*command, "runs"], env=env, capture_output=True, text=True, timeout=60)
    assert dead.returncode == 0 and "abandoned" in dead.stdout and "running" not in dead.stdout
