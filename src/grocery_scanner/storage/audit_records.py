"""The audit log of the service's admin actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grocery_scanner.models import utcnow
from grocery_scanner.storage.tables import AuditRow


async def record(session: AsyncSession, client: str, action: str, details: dict[str, Any], outcome: str) -> None:
    session.add(AuditRow(at=utcnow(), client=client[:100], action=action, details=details, outcome=outcome))


async def recent(session: AsyncSession, limit: int = 100) -> list[AuditRow]:
    statement = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    return list((await session.scalars(statement)).all())
