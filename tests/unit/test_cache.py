"""The cache tiers: size bound, expiry, persistence, corrupt entries, invalidation."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from grocery_scanner.cache.entry import Entry
from grocery_scanner.cache.tiers import DiskTier, MemoryTier
from grocery_scanner.fetch.chain import Fetched
from grocery_scanner.models import utcnow
from grocery_scanner.storage.tables import CachedAnswerRow


def _entry(store: str = "s", text: str = "x" * 100, fresh_s: float = 60) -> Entry:
    now = utcnow()
    fetched = Fetched(store, 200, {"Content-Type": "application/json"}, text, "http://s/search", now, 0.05)
    return Entry(fetched, now + timedelta(seconds=fresh_s))


def test_an_entry_survives_json_and_a_corrupt_one_reads_as_none() -> None:
    entry = _entry(text='{"products": ["milk"]}')
    assert Entry.from_json(entry.to_json()) == entry
    for corrupt in (
        "",
        "not json",
        "[]",
        '{"store_id": "s"}',
        entry.to_json().replace('"status": 200', '"status": "x"'),
    ):
        assert Entry.from_json(corrupt) is None


async def test_the_memory_tier_never_holds_more_than_its_bound_and_drops_the_least_recent() -> None:
    tier = MemoryTier(max_bytes=1000)
    for n in range(10):
        await tier.put(f"k{n}", _entry(text="x" * 100))
    assert await tier.get("k0") is not None  # used: now the most recent
    for n in range(10, 30):
        await tier.put(f"k{n}", _entry(text="x" * 100))
        assert (await tier.size())["bytes"] <= 1000
        if n == 10:
            assert await tier.get("k0") is not None and await tier.get("k1") is None  # k1 went first
    await tier.put("huge", _entry(text="x" * 5000))  # larger than the whole tier: not kept
    assert await tier.get("huge") is None and (await tier.size())["bytes"] <= 1000


async def test_an_expired_entry_is_not_served_from_either_tier(tmp_path: Path) -> None:
    memory, disk = MemoryTier(10_000), DiskTier(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    try:
        for tier in (memory, disk):
            await tier.put("old", _entry(fresh_s=-1))
            await tier.put("new", _entry(fresh_s=60))
            assert await tier.get("old") is None and await tier.get("new") is not None
    finally:
        await disk.aclose()


async def test_the_disk_tier_outlives_its_process_drops_corrupt_entries_and_clears_by_store(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'g.db'}"
    first = DiskTier(url)
    await first.put("a", _entry("maple"))
    await first.put("b", _entry("harbour"))
    await first.put("c", _entry("harbour"))
    await first.aclose()
    second = DiskTier(url)  # another process, later
    try:
        kept = await second.get("a")
        assert kept is not None and kept.fetched.store_id == "maple" and kept.fetched.status == 200
        db = await second._database()
        async with db.session() as session:
            (await session.get(CachedAnswerRow, "c")).body = '{"truncated": '  # type: ignore[union-attr]
        assert await second.get("c") is None  # never served
        async with db.session() as session:
            assert await session.get(CachedAnswerRow, "c") is None  # and dropped, to be fetched again
        assert await second.clear("harbour") == 1
        assert await second.get("b") is None and await second.get("a") is not None
    finally:
        await second.aclose()


async def test_the_disk_tier_reads_many_fresh_entries_in_one_go(tmp_path: Path) -> None:
    disk = DiskTier(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    try:
        for n in range(600):  # more than one chunk of keys
            await disk.put(f"k{n}", _entry(fresh_s=60 if n % 3 else -1))
        found = await disk.get_many({f"k{n}" for n in range(700)})
        assert set(found) == {f"k{n}" for n in range(600) if n % 3}
    finally:
        await disk.aclose()


REDIS_URL = os.environ.get("GROCERY_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="GROCERY_TEST_REDIS_URL not set (.ci/run sets it when Redis runs)")
async def test_the_redis_tier_shares_answers_expires_them_and_clears_by_store() -> None:
    from grocery_scanner.cache.redis_tier import RedisTier

    assert REDIS_URL is not None
    prefix = f"grocery-scanner-test:{uuid.uuid4().hex}:"
    writer, reader = RedisTier(REDIS_URL, prefix), RedisTier(REDIS_URL, prefix)  # two processes
    try:
        await writer.put("a", _entry("maple"))
        await writer.put("b", _entry("harbour"))
        await writer.put("old", _entry("harbour", fresh_s=-1))  # already stale: not kept
        kept = await reader.get("a")
        assert kept is not None and kept.fetched.text == "x" * 100
        assert await reader.get("old") is None
        assert set(await reader.get_many(["a", "b", "c"])) == {"a", "b"}
        await writer._redis.set(f"{prefix}e:corrupt", "{not json")
        assert await reader.get("corrupt") is None and await reader._redis.get(f"{prefix}e:corrupt") is None
        assert await reader.clear("harbour") == 1
        assert await reader.get("b") is None and await reader.get("a") is not None
        await writer.put("short", _entry("maple", fresh_s=1.5))
        await asyncio.sleep(2.1)
        assert await reader.get("short") is None  # Redis let it expire
        assert await reader.clear() == 1 and (await reader.size())["entries"] == 0
    finally:
        await writer.aclose()
        await reader.aclose()


async def test_a_tier_that_cannot_answer_is_a_miss_never_a_failed_search() -> None:
    from grocery_scanner.cache.layer import CacheLayer
    from grocery_scanner.cache.redis_tier import RedisTier
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile

    class Store:  # the inner end of the chain: answers every request
        asked = 0

        async def fetch(self, profile, request) -> Fetched:
            Store.asked += 1
            return _entry(profile.id).fetched

        async def aclose(self) -> None:
            return None

    gone = RedisTier("redis://127.0.0.1:1/0")  # nothing listens there
    layer = CacheLayer(Store(), [MemoryTier(10_000), gone])
    profile = StoreProfile(id="s", name="S", connector="voila", base_url="http://s")
    try:
        for _ in range(2):
            fetched = await layer.fetch(profile, SearchRequest("GET", "http://s/search", {"q": "milk"}))
            assert fetched.status == 200
        assert Store.asked == 1 and layer.hits == {"memory": 1}  # the memory tier still served the second
    finally:
        await layer.aclose()
