"""The cache's shared tier on Redis: every process of a deployment sees the same answers.

Entries are JSON strings under `<prefix>e:<key>`, expiring with their freshness (Redis drops them);
each store's keys are also listed in a set `<prefix>s:<store>`, so one store's answers can be cleared.
"""

from __future__ import annotations

from collections.abc import Awaitable, Collection
from typing import cast

from redis.asyncio import Redis

from grocery_scanner.cache.entry import Entry
from grocery_scanner.models import utcnow

PREFIX = "grocery-scanner:cache:"


class RedisTier:
    name = "redis"

    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        self._redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True)
        self._prefix = prefix

    def _entry_key(self, key: str) -> str:
        return f"{self._prefix}e:{key}"

    def _store_key(self, store_id: str) -> str:
        return f"{self._prefix}s:{store_id}"

    async def get(self, key: str) -> Entry | None:
        body = await self._redis.get(self._entry_key(key))
        if body is None:
            return None
        entry = Entry.from_json(body)
        if entry is None:  # corrupt: dropped, fetched again
            await self._redis.delete(self._entry_key(key))
        return entry

    async def get_many(self, keys: Collection[str]) -> dict[str, Entry]:
        wanted = sorted(keys)
        if not wanted:
            return {}
        bodies = await self._redis.mget([self._entry_key(k) for k in wanted])
        found = {k: Entry.from_json(b) for k, b in zip(wanted, bodies, strict=True) if b is not None}
        return {k: e for k, e in found.items() if e is not None}

    async def put(self, key: str, entry: Entry) -> None:
        seconds = int((entry.expires_at - utcnow()).total_seconds())
        if seconds <= 0:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._entry_key(key), entry.to_json(), ex=seconds)
            pipe.sadd(self._store_key(entry.fetched.store_id), key)
            await pipe.execute()

    async def drop(self, key: str) -> None:
        await self._redis.delete(self._entry_key(key))

    async def clear(self, store_id: str | None = None) -> int:
        if store_id is not None:
            members = await cast("Awaitable[set[str]]", self._redis.smembers(self._store_key(store_id)))
            keys = [str(k) for k in members]
            dropped = await self._redis.delete(*[self._entry_key(k) for k in keys]) if keys else 0
            await self._redis.delete(self._store_key(store_id))
            return int(dropped)
        names = [name async for name in self._redis.scan_iter(match=f"{self._prefix}*", count=500)]
        entries = sum(1 for n in names if n.startswith(f"{self._prefix}e:"))
        if names:
            await self._redis.delete(*names)
        return entries

    async def size(self) -> dict[str, float]:
        entries = [name async for name in self._redis.scan_iter(match=f"{self._prefix}e:*", count=500)]
        return {"entries": len(entries)}

    async def aclose(self) -> None:
        await self._redis.aclose()
