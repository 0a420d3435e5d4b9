"""Open the database (SQLite file by default, PostgreSQL by URL) and bring its schema up to date."""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from grocery_scanner.errors import UserInputError
from grocery_scanner.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_ID = 7_021_115  # PostgreSQL advisory lock held while the schema is migrated
# how long a SQLite writer waits for another to finish: concurrent plans on a busy machine queue up
SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return f"sqlite+aiosqlite:///{settings.data_dir / 'grocery.sqlite'}"


@asynccontextmanager
async def _migration_lock(sqlite_path: str | None) -> AsyncIterator[None]:
    """Several processes opening a fresh SQLite file at once must not each create its tables."""
    if not sqlite_path or sqlite_path == ":memory:":
        yield
        return
    handle = await asyncio.to_thread(Path(f"{sqlite_path}.migrate.lock").open, "a+b")
    try:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock


def _check_sqlite_path(url: str) -> None:
    path = make_url(url).database
    if not path or path == ":memory:":
        return
    file = Path(path)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(file).close()
    except (OSError, sqlite3.Error) as exc:
        raise UserInputError(f"database {file} cannot be opened for writing: {exc}") from None


def head_revision() -> str:
    """The newest migration's revision: its file name starts with it ("0003_search_items.py")."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _upgrade(connection: Connection) -> None:
    """Migrate to the newest schema; a database already there costs one query, not Alembic's start-up."""
    if _current_revision(connection) == head_revision():
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    async def open(cls, url: str) -> Database:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise UserInputError("database_url is not a valid database URL") from None
        if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
            raise UserInputError(
                f"GROCERY_DATABASE_URL: unsupported database '{parsed.get_backend_name()}'"
                " (use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB)"
            )
        if parsed.get_backend_name() == "sqlite":
            _check_sqlite_path(url)
        try:
            engine = create_async_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:  # a driver that is not installed or not async
            raise UserInputError(f"GROCERY_DATABASE_URL: cannot use this database driver ({exc})") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        try:
            sqlite_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
            async with _migration_lock(sqlite_file), engine.begin() as connection:
                if parsed.get_backend_name() == "postgresql":  # one process migrates at a time
                    await connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
                await connection.run_sync(_upgrade)
        except (OperationalError, OSError) as exc:
            await engine.dispose()
            where = parsed.render_as_string(hide_password=True)
            raise UserInputError(f"cannot open database {where}: {getattr(exc, 'orig', exc)}") from None
        except SQLAlchemyError:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: safe on a crash, no fsync per commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    db = await Database.open(database_url(settings))
    try:
        yield db
    finally:
        await db.close()
