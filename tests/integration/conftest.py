"""What the integration tests share: settings on a fresh data folder, and a real database on them
(a test module may give its own `settings`; `db` follows them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database, database_url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_pages=1)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(database_url(settings))
    yield database
    await database.close()
