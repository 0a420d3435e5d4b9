"""The schema check that lets an up-to-date database skip Alembic's start-up."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from grocery_scanner.storage.database import MIGRATIONS, head_revision


def test_the_newest_migration_file_names_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()
