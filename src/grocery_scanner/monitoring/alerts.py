"""Alerts: conditions found in the health report fire once, stay quiet while they hold (deduplicated by
key), and resolve when they clear; each change goes to the log and to the webhooks the settings name.

Delivery never blocks the system: each webhook gets a short timeout, a failed delivery is logged and left
undelivered, and the next evaluation tries it again."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import httpx
from sqlalchemy import select

from grocery_scanner.models import utcnow
from grocery_scanner.monitoring.config import WebhookRoute
from grocery_scanner.monitoring.health_score import HealthReport, assess_health
from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.tables import AlertRow

log = logging.getLogger(__name__)
ATTEMPTS = 2  # per delivery, at once; a failure after both waits for the next evaluation


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    CRITICAL = 3


@dataclass(frozen=True)
class Condition:
    key: str
    severity: Severity
    summary: str


def conditions(report: HealthReport) -> list[Condition]:
    """What in a health report is worth an alert: the system and each component not healthy, each store
    degraded or unhealthy."""
    found = []
    level = {"degraded": Severity.WARNING, "unhealthy": Severity.CRITICAL}
    if report.status in level:
        found.append(
            Condition("system", level[report.status], f"the scanner is {report.status} ({report.score:g}/100)")
        )
    for component in report.components:
        if component.status in level:
            summary = f"{component.name} {component.status}: {component.detail}"
            found.append(Condition(f"component:{component.name}", level[component.status], summary))
        if component.name == "stores":
            for store_id, figures in component.figures.items():
                if figures["status"] in level:
                    summary = f"store {store_id} is {figures['status']}"
                    found.append(Condition(f"store:{store_id}", level[figures["status"]], summary))
    return found


@dataclass
class Evaluation:
    fired: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # still firing: not sent again
    undelivered: list[str] = field(default_factory=list)


class AlertManager:
    def __init__(self, routes: list[WebhookRoute], transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.routes = routes
        self.transport = transport

    async def evaluate(self, db: Database, found: list[Condition]) -> Evaluation:
        now, outcome = utcnow(), Evaluation()
        wanted = {c.key: c for c in found}
        async with db.session() as session:
            known = {a.key: a for a in (await session.scalars(select(AlertRow))).all()}
            for key, condition in wanted.items():
                alert = known.get(key)
                if alert is not None and alert.status == "firing":
                    alert.last_seen, alert.severity = now, condition.severity.name
                    outcome.held.append(key)
                    continue
                values = dict(severity=condition.severity.name, summary=condition.summary, status="firing")
                if alert is None:
                    session.add(
                        AlertRow(key=key, first_fired=now, last_seen=now, delivered=False, attempts=0, **values)
                    )
                else:
                    for name, value in values.items():
                        setattr(alert, name, value)
                    alert.first_fired = alert.last_seen = now
                    alert.resolved_at, alert.delivered, alert.attempts = None, False, 0
                outcome.fired.append(key)
            for key, alert in known.items():
                if alert.status == "firing" and key not in wanted:
                    alert.status, alert.resolved_at, alert.delivered, alert.attempts = "resolved", now, False, 0
                    outcome.resolved.append(key)
        await self._deliver(db, outcome)
        return outcome

    async def _deliver(self, db: Database, outcome: Evaluation) -> None:
        """Every alert whose latest state has not reached its routes (this evaluation's, and those that
        failed before)."""
        async with db.session() as session:
            pending = (await session.scalars(select(AlertRow).where(AlertRow.delivered.is_(False)))).all()
            if not pending:
                return
            async with httpx.AsyncClient(transport=self.transport) as client:
                results = await asyncio.gather(*(self._send(client, alert) for alert in pending))
            for alert, error in zip(pending, results, strict=True):
                alert.attempts += 1
                alert.delivered, alert.last_error = error is None, error
                if error is not None:
                    outcome.undelivered.append(alert.key)

    async def _send(self, client: httpx.AsyncClient, alert: AlertRow) -> str | None:
        """The alert to the log and each route that wants its severity; the failures, or None."""
        verb = "firing" if alert.status == "firing" else "resolved"
        log.log(
            logging.WARNING if alert.status == "firing" else logging.INFO,
            "alert %s [%s] %s: %s", verb, alert.severity, alert.key, alert.summary,
        )  # fmt: skip
        failures = []
        for route in self.routes:
            if Severity[alert.severity] < Severity[route.min_severity]:
                continue
            error = await self._post(client, route, alert)
            if error is not None:
                log.warning(
                    "alert %s not delivered to a %s webhook: %s (retried next time)", alert.key, route.format, error
                )
                failures.append(f"{route.format}: {error}")
        return "; ".join(failures) or None

    @staticmethod
    async def _post(client: httpx.AsyncClient, route: WebhookRoute, alert: AlertRow) -> str | None:
        body = _body(route, alert)
        error = None
        for _ in range(ATTEMPTS):
            try:
                answer = await client.post(route.url.get_secret_value(), json=body, timeout=route.timeout_s)
            except httpx.HTTPError as exc:  # the URL is a secret: only the failure's kind is told
                error = type(exc).__name__
                continue
            if answer.is_success:
                return None
            error = f"HTTP {answer.status_code}"
        return error


def _body(route: WebhookRoute, alert: AlertRow) -> dict[str, Any]:
    state = "FIRING" if alert.status == "firing" else "RESOLVED"
    if route.format == "slack":
        return {"text": f"[{state}] [{alert.severity}] {alert.summary}"}
    severity = {"INFO": "info", "WARNING": "warning", "CRITICAL": "critical"}[alert.severity]
    return {
        "routing_key": route.routing_key.get_secret_value() if route.routing_key else "",
        "event_action": "trigger" if alert.status == "firing" else "resolve",
        "dedup_key": f"grocery-scanner:{alert.key}",
        "payload": {"summary": alert.summary, "source": "grocery-scanner", "severity": severity},
    }


async def checked_health(settings: Settings, db: Database, window_min: float) -> HealthReport:
    """The health report, its alerts evaluated (fired, held or resolved, and sent) on the way."""
    report = await assess_health(settings, db, window_min)
    report.alerts = await AlertManager(settings.alert_webhooks).evaluate(db, conditions(report))
    return report


async def firing(db: Database) -> list[AlertRow]:
    """The alerts firing now, the most severe first."""
    async with db.session() as session:
        rows = (await session.scalars(select(AlertRow).where(AlertRow.status == "firing"))).all()
    return sorted(rows, key=lambda a: (-Severity[a.severity], a.first_fired))
