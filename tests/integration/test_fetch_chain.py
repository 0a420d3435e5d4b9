"""The fetch chain: pacing as the store counts it, failure classes, and a connector's bug kept to its search."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from grocery_scanner.errors import Blocked, RateLimited, UserInputError
from grocery_scanner.reliability.policies import RequestLimits
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.server import busiest_second
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.storage.tables import RunRow, SearchItemRow
from grocery_scanner.stores.base import SearchRequest
from grocery_scanner.stores.profiles import StoreProfile, load_store_set
from grocery_scanner.stores.registry import get_connector
from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

ROOT = Path(__file__).resolve().parents[2]
RATE = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def simulator_process():
    """The demo stores in a process of their own, so their arrival times do not stall with our loop."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "grocery_scanner", "simulator", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/__admin/stores", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the simulator did not start within 30 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


async def test_no_second_sees_more_requests_than_the_rate_even_when_our_loop_stalls(simulator_process: str) -> None:
    store = "prairie-pantry"
    profile = next(p for p in load_store_set("demo").stores if p.id == store)
    profile = profile.model_copy(
        update={"base_url": f"{simulator_process}/{store}", "limits": RequestLimits(rate_per_s=RATE, concurrency=4)}
    )
    async with httpx.AsyncClient(base_url=simulator_process) as admin:
        quick = {"latency_ms_median": 0, "latency_ms_p95": 0}
        (await admin.put(f"/__admin/{store}/faults", json=quick)).raise_for_status()

    async def stall() -> None:  # the event loop blocked, as by a long garbage-collection pause
        for _ in range(6):
            await asyncio.sleep(0.35)
            time.sleep(0.3)  # noqa: ASYNC251

    queries = [f"item {n}" for n in range(70)]
    async with Services(Settings(max_pages=1)).store_client() as client:
        staller = asyncio.create_task(stall())
        results = await asyncio.gather(*(client.fetch_page(profile, q, 0) for q in queries))
        await staller
    assert len(results) == len(queries)
    async with httpx.AsyncClient(base_url=simulator_process) as admin:
        arrivals = (await admin.get(f"/__admin/{store}/arrivals")).json()
    assert len(arrivals) == len(queries)
    most = busiest_second(arrivals)
    assert most <= RATE
    assert most >= RATE * 0.7, f"the pacer held requests back far below the rate ({most} in the busiest second)"


def _fetcher(handler, layers: tuple[str, ...] = ("metrics", "status")) -> Services:
    return Services(Settings(fetch_layers=list(layers)), transport=httpx.MockTransport(handler))


async def test_the_chain_maps_answers_to_failure_classes_over_an_injected_transport() -> None:
    profile = StoreProfile(id="s", name="S", connector="voila", base_url="http://store.invalid")
    answers = {
        "/429": httpx.Response(429, headers={"Retry-After": "5"}),
        "/block": httpx.Response(
            200, text="<html>Please complete the CAPTCHA</html>", headers={"content-type": "text/html"}
        ),
    }
    chain = _fetcher(lambda r: answers[r.url.path]).fetch_chain()
    with pytest.raises(RateLimited) as limited:
        await chain.fetch(profile, SearchRequest(method="GET", url="http://store.invalid/429"))
    assert limited.value.retry_after_s == 5
    with pytest.raises(Blocked):
        await chain.fetch(profile, SearchRequest(method="GET", url="http://store.invalid/block"))
    assert chain.layers["metrics"].outcomes == {("s", "RateLimited"): 1, ("s", "Blocked"): 1}
    await chain.aclose()


def test_an_unknown_fetch_layer_is_refused_by_name() -> None:
    with pytest.raises(UserInputError, match="unknown layer breakr"):
        Services(Settings(fetch_layers=["metrics", "breakr"])).fetch_chain()


async def test_a_store_without_its_own_timeout_uses_the_setting(tmp_path: Path) -> None:
    stores = tmp_path / "set.yaml"
    stores.write_text(
        "name: t\nstores:\n"
        "  - {id: own, name: Own, connector: voila, base_url: simulator, limits: {timeout_s: 15}}\n"
        "  - {id: plain, name: Plain, connector: voila, base_url: simulator}\n",
        encoding="utf-8",
    )
    async with Services(Settings(http_timeout_s=7)).stores(str(stores)) as session:
        timeouts = {p.id: p.limits.timeout_s for p in session.profiles}
    assert timeouts == {"own": 15, "plain": 7}


async def test_a_connector_bug_fails_only_its_own_search_recorded_as_a_parse_failure(
    tmp_path: Path, line_parser, monkeypatch
) -> None:
    connector = get_connector("voila")  # harbour-foods speaks voila in the demo set
    real_parse = connector.parse

    def parse(body: str, store_id: str):
        if "flour" in body.lower():
            return "not a page".get("offers")  # type: ignore[attr-defined]  # the kind of bug a new field brings
        return real_parse(body, store_id)

    monkeypatch.setattr(connector, "parse", parse)
    settings = Settings(data_dir=tmp_path, max_pages=1)
    db = await Database.open(database_url(settings))
    try:
        request = PlanRequest(inputs=[str(ROOT / "examples" / "pancakes.txt")])
        result = await run_plan(request, Services(settings, line_parser=line_parser), db)
        async with db.session() as session:
            run = await session.get(RunRow, result.run_id)
            items = (await session.scalars(select(SearchItemRow).where(SearchItemRow.run_id == result.run_id))).all()
    finally:
        await db.close()
    assert run is not None and run.status == "succeeded"
    # failed for good (a connector bug is a parse failure): dead, left to the dead-letter queue
    broken = [i for i in items if i.store_id == "harbour-foods" and i.status == "dead"]
    assert broken and {i.failure_class for i in broken} == {"ParseError"}
    assert all("AttributeError" in (i.error or "") for i in broken)
    assert [i for i in items if i.store_id == "harbour-foods" and i.status == "done"]  # its other searches went on
    assert not [i for i in items if i.status in ("pending", "leased")]
    assert any("harbour" in w.lower() for w in result.plan.warnings)


async def test_every_search_leaves_a_durable_item_even_one_that_found_nothing(tmp_path: Path, line_parser) -> None:
    shopping = tmp_path / "list.txt"
    shopping.write_text("2 cups all-purpose flour\n1 cup quokka berries\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, max_pages=1)
    db = await Database.open(database_url(settings))
    try:
        result = await run_plan(PlanRequest(inputs=[str(shopping)]), Services(settings, line_parser=line_parser), db)
        async with db.session() as session:
            items = (await session.scalars(select(SearchItemRow).where(SearchItemRow.run_id == result.run_id))).all()
    finally:
        await db.close()
    stores = {p.id for p in load_store_set("demo").select(None)}
    by_query = {q: [i for i in items if i.query == q] for q in {i.query for i in items}}
    assert {q for q in by_query if "flour" in q} and {q for q in by_query if "quokka" in q}
    for query, rows in by_query.items():
        assert {r.store_id for r in rows} == stores, query  # one item per store, pending before, done after
        assert all(r.status == "done" and r.attempts == 1 and r.finished_at is not None for r in rows)
    quokka = next(rows for q, rows in by_query.items() if "quokka" in q)
    assert all(r.offers == 0 for r in quokka)
    assert sum(r.offers for q, rows in by_query.items() if "flour" in q for r in rows) > 0


async def test_each_stage_output_survives_a_json_round_trip(tmp_path: Path, line_parser) -> None:
    """What a checkpoint will keep: every stage's output, failures included, read back equal."""
    from grocery_scanner.workflow.plan_run import OUTPUTS, STAGES, PlanContext

    settings = Settings(data_dir=tmp_path, max_pages=1)
    db = await Database.open(database_url(settings))
    services = Services(settings, line_parser=line_parser)
    request = PlanRequest(inputs=[str(ROOT / "examples" / "pancakes.txt")])
    try:
        async with db.session() as session:
            from grocery_scanner.storage import repository

            run_id = await repository.start_run(session, "plan", request.describe())
        names = {p.id: p.name for p in load_store_set("demo").stores}
        run = PlanContext(request, services, db, run_id, services.matcher(), names)
        for name, stage in STAGES:
            await stage(run)
            dumped = run.dump_output(name)
            attribute, _ = OUTPUTS[name]
            before = getattr(run, attribute)
            run.load_output(name, dumped)
            assert run.dump_output(name) == dumped
            assert type(getattr(run, attribute)) is type(before)
    finally:
        await db.close()
    assert run.plan is not None and run.plan.stores
    first = next(iter(run.results.values()))[0]
    assert first.offers and first.pages[0].offers == len(first.offers)


def test_a_search_failure_is_kept_by_class_in_a_stage_output() -> None:
    from pydantic import TypeAdapter

    from grocery_scanner.stores.client import StoreResult

    adapter = TypeAdapter(list[StoreResult])
    results = [
        StoreResult("s", "milk", error=RateLimited("s", "HTTP 429 Too Many Requests", 5.0)),
        StoreResult("s", "eggs"),
    ]
    back = adapter.validate_json(adapter.dump_json(results))
    assert isinstance(back[0].error, RateLimited) and back[0].error.retry_after_s == 5.0
    assert str(back[0].error) == "s: HTTP 429 Too Many Requests" and back[1].error is None
