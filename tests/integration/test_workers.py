"""Plans on worker processes: the service enqueues, two `grocery-scanner worker` processes share the
plans, and a worker killed in the middle of a plan leaves it to the other, which resumes it without
asking any finished search again. Needs the machine's Redis (GROCERY_TEST_REDIS_URL, set by .ci/run);
runs on SQLite and, where GROCERY_TEST_POSTGRES_URL is set (.ci/run sets it), on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import select

from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.storage.tables import RunRow, SearchItemRow
from tests.service.conftest import serve, service_settings, wait_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("GROCERY_TEST_REDIS_URL")
POSTGRES_URL = os.environ.get("GROCERY_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="GROCERY_TEST_REDIS_URL not set (.ci/run sets it when Redis runs)"
)
LEASE = {"heartbeat_s": 0.5, "run_stale_s": 3}  # the workers' too: a dead worker's plan moves on in seconds
TEXTS = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "examples").glob("*.txt"))]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> dict[str, str]:
    """The database settings every process shares: SQLite in the test's folder, or the machine's PostgreSQL."""
    if request.param == "sqlite":
        return {}
    if not POSTGRES_URL:
        pytest.skip("GROCERY_TEST_POSTGRES_URL not set (.ci/run sets it when PostgreSQL runs)")
    return {"database_url": POSTGRES_URL}


@pytest.fixture
def queue_url() -> str:
    assert REDIS_URL is not None
    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


def _worker(data_dir: Path, database: dict[str, str], queue_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **{f"GROCERY_{name.upper()}": value for name, value in database.items()},
        "GROCERY_DATA_DIR": str(data_dir),
        "GROCERY_QUEUE_URL": queue_url,
        # without the cache (a shared database shares it): every plan asks the stores, and a resumed one
        # shows it does not ask again what was done
        "GROCERY_FETCH_LAYERS": '["retry", "breaker", "metrics", "status", "pacing", "pool"]',
        **{f"GROCERY_{name.upper()}": str(value) for name, value in LEASE.items()},
        "PYTHONPATH": str(ROOT / "src"),
    }
    command = [sys.executable, "-m", "grocery_scanner", "worker", "--concurrency", "1"]
    with log.open("wb") as output:  # read when a test fails
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


@pytest.fixture
def workers(tmp_path: Path, database: dict[str, str], queue_url: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [_worker(tmp_path / "data", database, queue_url, tmp_path / f"worker-{n}.log") for n in range(2)]
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        process.wait(timeout=60)


def _plan_worker(client: httpx.Client, plan_id: str, queue_url: str) -> str | None:
    """The worker (host:pid) the queue says runs a plan."""
    import asyncio

    from saq import Queue  # the test reads the queue as the service does

    async def read() -> str | None:
        queue = Queue.from_url(queue_url, name="grocery-plans")
        try:
            job = await queue.job(plan_id)
            return job.worker_id if job is not None else None
        finally:
            await queue.disconnect()

    return asyncio.run(read())


def test_plans_are_shared_by_the_workers(tmp_path: Path, database: dict[str, str], queue_url: str, workers) -> None:
    settings = service_settings(tmp_path / "data", {"queue_url": queue_url, **LEASE, **database})
    for server in serve(settings):
        with server.client() as client:
            ids = [client.post("/api/v1/plans", json={"texts": TEXTS[i : i + 2]}).json()["id"] for i in range(4)]
            for plan_id in ids:
                assert wait_for(client, plan_id, 180)["status"] == "succeeded"
                assert client.get(f"/api/v1/plans/{plan_id}/result").json()["plan"]["stores"]
            ran = {_plan_worker(client, plan_id, queue_url) for plan_id in ids}
    assert ran == {f"{os.uname().nodename}:{w.pid}" for w in workers}  # both workers took plans


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
def test_a_killed_workers_plan_finishes_on_the_other(
    tmp_path: Path, database: dict[str, str], queue_url: str, workers, stop: signal.Signals
) -> None:
    settings = service_settings(tmp_path / "data", {"queue_url": queue_url, **LEASE, **database})
    for server in serve(settings):
        with server.client() as client:
            plan_id = client.post("/api/v1/plans", json={"texts": TEXTS[:4]}).json()["id"]
            deadline = time.monotonic() + 90
            while client.get(f"/api/v1/plans/{plan_id}").json()["searches_done"] < 10:
                assert time.monotonic() < deadline, "the plan never got to its searches"
                time.sleep(0.1)
            runner = _plan_worker(client, plan_id, queue_url)
            victim = next(w for w in workers if runner == f"{os.uname().nodename}:{w.pid}")
            victim.send_signal(stop)
            victim.wait(timeout=30)
            done_before = _done_items(settings, plan_id)
            assert done_before, "nothing was finished before the kill"
            status = wait_for(client, plan_id, 180)
            assert status["status"] == "succeeded", status
            survivor = next(w for w in workers if w is not victim)
            assert _plan_worker(client, plan_id, queue_url) == f"{os.uname().nodename}:{survivor.pid}"
    after = _done_items(settings, plan_id)
    assert {k: after[k] for k in done_before} == done_before  # no finished search was asked again


def _done_items(settings: Settings, run_id: str) -> dict[tuple[str, str, int], int]:
    """The run's finished search pages and their attempts."""

    async def read() -> dict[tuple[str, str, int], int]:
        db = await Database.open(database_url(settings))
        try:
            async with db.session() as session:
                rows = await session.execute(
                    select(
                        SearchItemRow.store_id, SearchItemRow.query, SearchItemRow.page, SearchItemRow.attempts
                    ).where(SearchItemRow.run_id == run_id, SearchItemRow.status == "done")
                )
                return {(s, q, p): a for s, q, p, a in rows.all()}
        finally:
            await db.close()

    return asyncio.run(read())


def test_the_workers_together_keep_each_stores_rate(tmp_path: Path, queue_url: str) -> None:
    """Two workers sharing breakers and rates (shared_state_url) against one simulator that logs every
    request: no store sees more than its configured rate in any second."""
    from grocery_scanner.simulator.server import Simulator, busiest_second
    from grocery_scanner.stores.profiles import load_store_set
    from grocery_scanner.workers.queue import connected, enqueue_plan, plan_queue
    from grocery_scanner.workflow.plan_run import PlanRequest, record_plan

    shared = queue_url.rsplit("/", 1)[0] + "/13"
    redis.Redis.from_url(shared).flushdb()
    settings = Settings(data_dir=tmp_path / "data", queue_url=queue_url, **LEASE)  # type: ignore[arg-type]

    async def run() -> tuple[list[str], dict[str, float]]:
        async with Simulator(load_store_set("demo").stores) as sim:
            store_set = sim.store_set_file(tmp_path / "stores.yaml")
            env = {"shared_state_url": shared}
            workers = [_worker(tmp_path / "data", env, queue_url, tmp_path / f"worker-{n}.log") for n in range(2)]
            db = await Database.open(database_url(settings))
            queue = await connected(plan_queue(settings))
            try:
                ids = []
                for i in range(4):
                    request = PlanRequest(inputs=[], texts=TEXTS[i : i + 2], store_set=str(store_set))
                    ids.append(await record_plan(request, db, status="queued"))
                    await enqueue_plan(queue, ids[-1], settings)
                statuses: list[str] = []
                for _ in range(600):
                    await asyncio.sleep(0.25)
                    async with db.session() as session:
                        statuses = [(await session.get(RunRow, i)).status for i in ids]  # type: ignore[union-attr]
                    if all(s not in ("queued", "running") for s in statuses):
                        break
            finally:
                for process in workers:
                    process.terminate()
                for process in workers:
                    process.wait(timeout=60)
                await queue.disconnect()
                await db.close()
            ratios = {
                store_id: busiest_second(store.arrivals) / store.profile.limits.rate_per_s
                for store_id, store in sim.stores.items()
                if store.arrivals
            }
            return statuses, ratios

    statuses, ratios = asyncio.run(run())
    assert statuses == ["succeeded"] * 4
    assert ratios and max(ratios.values()) <= 1.0, ratios
    assert max(ratios.values()) >= 0.5  # the stores were kept busy: the bound was met under load
