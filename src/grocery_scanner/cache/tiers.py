"""The cache tiers behind one interface: memory (cachetools, bounded in bytes) and disk (a table of
the project's database, shared by every process on it)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from cachetools import TLRUCache
from sqlalchemy import delete, func, select

from grocery_scanner.cache.entry import Entry
from grocery_scanner.errors import UserInputError
from grocery_scanner.models import utcnow
from grocery_scanner.settings import Settings
from grocery_scanner.storage import repository
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.storage.tables import CachedAnswerRow


class Tier(Protocol):
    name: str

    async def get(self, key: str) -> Entry | None:
        """A fresh entry, or None."""

    async def put(self, key: str, entry: Entry) -> None: ...

    async def get_many(self, keys: Collection[str]) -> dict[str, Entry]:
        """The fresh entries among `keys`, in one go."""

    async def drop(self, key: str) -> None: ...

    async def clear(self, store_id: str | None = None) -> int:
        """Drops every entry (of one store); returns how many were dropped where it can tell."""

    async def size(self) -> dict[str, float]: ...

    async def aclose(self) -> None: ...


class MemoryTier:
    """LRU with each entry's own expiry; never holds more than `max_bytes` of answers."""

    name = "memory"

    def __init__(self, max_bytes: int) -> None:
        self._entries: TLRUCache[str, tuple[str, Entry]] = TLRUCache(
            maxsize=max_bytes, ttu=self._expiry, getsizeof=lambda item: max(1, len(item[1].fetched.text))
        )

    @staticmethod
    def _expiry(_key: str, item: tuple[str, Entry], now: float) -> float:
        return now + (item[1].expires_at - utcnow()).total_seconds()

    async def get(self, key: str) -> Entry | None:
        item = self._entries.get(key)
        return item[1] if item is not None else None

    async def put(self, key: str, entry: Entry) -> None:
        if len(entry.fetched.text) <= self._entries.maxsize:  # larger than the whole tier: not kept
            self._entries[key] = (entry.fetched.store_id, entry)

    async def get_many(self, keys: Collection[str]) -> dict[str, Entry]:
        return {key: entry for key in keys if (entry := await self.get(key)) is not None}

    async def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    async def clear(self, store_id: str | None = None) -> int:
        keys = [k for k, (store, _) in list(self._entries.items()) if store_id in (None, store)]
        for key in keys:
            self._entries.pop(key, None)
        return len(keys)

    async def size(self) -> dict[str, float]:
        self._entries.expire()
        return {"entries": len(self._entries), "bytes": self._entries.currsize, "max_bytes": self._entries.maxsize}

    async def aclose(self) -> None:
        return None


CHUNK = 500  # keys per query: well under SQLite's limit on bound parameters


WRITE_BATCH = 50  # answers kept back before they are written in one transaction


class DiskTier:
    """The `cached_answers` table: fresh entries are served, expired ones deleted when met.

    Writes are batched: answers wait in this process (where it serves them) until WRITE_BATCH of them,
    or the tier's close, write them in one transaction. A process that dies loses what waited, which
    only costs asking the store again."""

    name = "disk"

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._db: Database | None = None
        self._waiting: dict[str, Entry] = {}

    async def _database(self) -> Database:
        if self._db is None:
            self._db = await Database.open(self._url)
        return self._db

    async def get(self, key: str) -> Entry | None:
        if (waiting := self._waiting.get(key)) is not None:
            return waiting if waiting.expires_at > utcnow() else None
        db = await self._database()
        async with db.session() as session:
            row = await session.get(CachedAnswerRow, key)
            if row is None:
                return None
            entry = Entry.from_json(row.body)
            if entry is None or entry.expires_at <= utcnow():  # corrupt or stale: dropped, fetched again
                await session.delete(row)
                return None
            return entry

    async def put(self, key: str, entry: Entry) -> None:
        self._waiting[key] = entry
        if len(self._waiting) >= WRITE_BATCH:
            await self.flush()

    async def flush(self) -> None:
        """Writes the answers waiting, in one transaction."""
        waiting, self._waiting = self._waiting, {}
        if not waiting:
            return
        db = await self._database()
        async with db.session() as session:
            for key, entry in waiting.items():
                body = entry.to_json()
                await repository.save_cached_answer(session, key, entry.fetched.store_id, entry.expires_at, body)

    async def get_many(self, keys: Collection[str]) -> dict[str, Entry]:
        await self.flush()
        db = await self._database()
        found: dict[str, Entry] = {}
        wanted, now = sorted(keys), utcnow()
        async with db.session() as session:
            for at in range(0, len(wanted), CHUNK):
                statement = select(CachedAnswerRow.key, CachedAnswerRow.body).where(
                    CachedAnswerRow.key.in_(wanted[at : at + CHUNK]), CachedAnswerRow.expires_at > now
                )
                for key, body in (await session.execute(statement)).all():
                    if (entry := Entry.from_json(body)) is not None and entry.expires_at > now:
                        found[key] = entry  # a corrupt one is left to get(), which drops it
        return found

    async def drop(self, key: str) -> None:
        self._waiting.pop(key, None)
        db = await self._database()
        async with db.session() as session:
            await session.execute(delete(CachedAnswerRow).where(CachedAnswerRow.key == key))

    async def clear(self, store_id: str | None = None) -> int:
        await self.flush()
        db = await self._database()
        async with db.session() as session:
            statement = delete(CachedAnswerRow)
            if store_id is not None:
                statement = statement.where(CachedAnswerRow.store_id == store_id)
            result = await session.execute(statement)
            return int(getattr(result, "rowcount", 0) or 0)

    async def size(self) -> dict[str, float]:
        await self.flush()
        db = await self._database()
        async with db.session() as session:
            now = utcnow()
            total = await session.scalar(select(func.count()).select_from(CachedAnswerRow)) or 0
            fresh = await session.scalar(
                select(func.count()).select_from(CachedAnswerRow).where(CachedAnswerRow.expires_at > now)
            )
            size = await session.scalar(select(func.sum(func.length(CachedAnswerRow.body)))) or 0
        return {"entries": total, "fresh": fresh or 0, "bytes": size}

    async def aclose(self) -> None:
        try:
            await self.flush()
        finally:
            if self._db is not None:
                await self._db.close()
                self._db = None


def build_tiers(settings: Settings, names: Sequence[str] | None = None) -> list[Tier]:
    """The tiers the settings name (or `names` of them), in their order."""
    made: dict[str, Tier] = {}
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    for name in settings.cache_tiers if names is None else names:
        if name == "memory":
            made[name] = MemoryTier(int(settings.cache_memory_mb * 2**20))
        elif name == "disk":
            made[name] = DiskTier(database_url(settings))
        elif name == "redis":
            if not redis_url:
                raise UserInputError("cache_tiers names redis, but redis_url is not set (GROCERY_REDIS_URL)")
            from grocery_scanner.cache.redis_tier import RedisTier  # only a deployment with Redis loads it

            made[name] = RedisTier(redis_url)
    return list(made.values())
