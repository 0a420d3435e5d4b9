"""Retrying the dead-letter queue: each waiting search is done again, as a recorded run of its own."""

from __future__ import annotations

from grocery_scanner.errors import UserInputError
from grocery_scanner.models import utcnow
from grocery_scanner.services import Services
from grocery_scanner.storage import recovery_records
from grocery_scanner.storage.database import Database
from grocery_scanner.storage.tables import DeadLetterRow
from grocery_scanner.workflow.searching import recorded_search


async def retry_letters(services: Services, db: Database, ids: list[int] | None) -> list[tuple[int, bool, str]]:
    """(id, succeeded, what happened) for each retried letter: `ids`, or every open one when None."""
    async with db.session() as session:
        if ids is None:
            letters = await recovery_records.dead_letters(session)
        else:
            letters = [await recovery_records.dead_letter(session, i) for i in ids]
    outcomes = []
    for letter in letters:
        if letter.status != "open":
            raise UserInputError(f"dead letter {letter.id} is {letter.status}: only open ones are retried")
        store_set = str(letter.payload.get("store_set") or services.settings.store_set)
        [result] = await recorded_search(services, db, "dlq-retry", [letter.query], store_set, [letter.store_id])
        async with db.session() as session:
            row = await session.get(DeadLetterRow, letter.id)
            assert row is not None
            row.attempts, row.last_seen = row.attempts + 1, utcnow()
            if result.error is None:
                row.status = "resolved"
                outcomes.append((letter.id, True, f"{letter.store_id}: {letter.query!r}: {len(result.offers)} offers"))
            else:
                row.failure_class, row.reason = type(result.error).__name__, result.error.message
                outcomes.append((letter.id, False, f"{letter.store_id}: {letter.query!r}: {result.error.message}"))
    return outcomes
