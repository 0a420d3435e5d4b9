"""Alerts fire, deduplicate and resolve, and reach a local webhook receiver over real HTTP; a webhook
that answers 500 or hangs never blocks the system, and its alert is sent again later."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from grocery_scanner.models import utcnow
from grocery_scanner.monitoring.alerts import AlertManager, Condition, Severity, conditions
from grocery_scanner.monitoring.config import WebhookRoute
from grocery_scanner.monitoring.health_score import Component, HealthReport
from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database, database_url


class Receiver:
    """A webhook receiver on loopback: records what it is sent; can be told to fail or hang."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.mode = "ok"  # ok, error, hang

    async def handle(self, request: web.Request) -> web.Response:
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "error":
            return web.Response(status=500)
        self.received.append(await request.json())
        return web.json_response({"ok": True})


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield hook, f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(database_url(Settings(data_dir=tmp_path)))
    yield database
    await database.close()


def report(store_status: str) -> HealthReport:
    stores = Component(
        "stores", 75.0 if store_status != "healthy" else 100.0, "x", {"harbour-foods": {"status": store_status}}
    )
    return HealthReport(90.0, "degraded" if store_status != "healthy" else "healthy", [stores], utcnow())


async def test_alerts_fire_once_and_resolve_at_a_slack_and_a_pagerduty_webhook(db, receiver) -> None:
    hook, url = receiver
    routes = [
        WebhookRoute(url=SecretStr(url), format="slack", min_severity="WARNING"),
        WebhookRoute(url=SecretStr(url), format="pagerduty", min_severity="CRITICAL", routing_key=SecretStr("k")),
    ]
    alerts = AlertManager(routes)
    found = conditions(report("unhealthy"))
    assert {c.key for c in found} == {"system", "component:stores", "store:harbour-foods"}
    first = await alerts.evaluate(db, found)
    assert sorted(first.fired) == ["component:stores", "store:harbour-foods", "system"]
    slack = [m for m in hook.received if "text" in m]
    pager = [m for m in hook.received if "event_action" in m]
    assert len(slack) == 3 and any("store harbour-foods is unhealthy" in m["text"] for m in slack)
    assert [m["dedup_key"] for m in pager] == ["grocery-scanner:store:harbour-foods"]  # the only CRITICAL one
    assert pager[0]["payload"]["severity"] == "critical" and pager[0]["event_action"] == "trigger"

    again = await alerts.evaluate(db, found)  # the condition holds: nothing sent again
    assert sorted(again.held) == sorted(first.fired) and not again.fired and len(hook.received) == 4

    cleared = await alerts.evaluate(db, conditions(report("healthy")))
    assert sorted(cleared.resolved) == sorted(first.fired)
    resolved = hook.received[4:]
    assert any(m.get("event_action") == "resolve" for m in resolved)
    assert sum("RESOLVED" in m.get("text", "") for m in resolved) == 3


@pytest.mark.parametrize("mode", ["error", "hang"])
async def test_a_failing_webhook_never_blocks_and_its_alert_is_retried(db, receiver, mode, caplog) -> None:
    hook, url = receiver
    alerts = AlertManager([WebhookRoute(url=SecretStr(url), timeout_s=0.5)])
    hook.mode = mode
    condition = [Condition("store:maple-market", Severity.WARNING, "store maple-market is degraded")]
    started = time.perf_counter()
    first = await alerts.evaluate(db, condition)
    assert time.perf_counter() - started < 5  # two attempts of at most half a second, not a hang
    assert first.fired == ["store:maple-market"] and first.undelivered == ["store:maple-market"]
    assert "not delivered" in caplog.text and url not in caplog.text  # logged, the secret URL not
    hook.mode = "ok"
    second = await alerts.evaluate(db, condition)
    assert second.held == ["store:maple-market"] and second.undelivered == []
    assert [m["text"] for m in hook.received] == ["[FIRING] [WARNING] store maple-market is degraded"]
