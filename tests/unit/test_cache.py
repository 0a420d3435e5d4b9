"""The cache tiers: size bound, expiry, persistence, corrupt entries, invalidation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

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
