"""Shared fixtures: the recorded responses in ../shared/fixtures and a running simulator."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from grocery_scanner.simulator.server import Simulator
from grocery_scanner.stores.profiles import StoreProfile, load_store_set

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("GROCERY_FIXTURES_DIR", ROOT.parent / "shared" / "fixtures"))
os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))


SLOW_FOLDERS = {"integration", "robustness", "packaging", "service", "browser", "prodtest"}


# tests sharing the machine's Redis database or PostgreSQL database (one flushes what another writes):
# under pytest-xdist they run one after another, on one worker
SHARED_SERVICES = {
    "test_cache.py",
    "test_shared_breaker.py",
    "test_shared_quota.py",
    "test_shared_state.py",
    "test_workers.py",
    "test_plan_workflow.py",
}
# tests that measure latency or the machine's load: a test running beside them would change the figure
# (the workers' tests time their hand-overs against leases of a few seconds)
ALONE = {"test_quick_profile.py", "test_measured.py", "test_monitoring.py", "test_workers.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything outside the unit tests runs processes, servers or databases: marked slow. Groups for
    pytest-xdist (`make test` runs the suite in parallel, then the tests marked alone by themselves)."""
    for item in items:
        parts = set(Path(item.fspath).parts)
        if SLOW_FOLDERS & parts:
            item.add_marker(pytest.mark.slow)
        if ALONE & parts:
            item.add_marker(pytest.mark.alone)
        if "browser" in parts:  # one Chromium for the package's tests
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif SHARED_SERVICES & parts:
            item.add_marker(pytest.mark.xdist_group("shared-services"))


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's database (and so its disk cache) in its own folder, never the user's."""
    monkeypatch.setenv("GROCERY_DATA_DIR", str(tmp_path / "grocery-data"))


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"recorded fixtures not found at {FIXTURES}: set GROCERY_FIXTURES_DIR")
    return FIXTURES


@pytest.fixture(scope="session")
def line_parser():
    from grocery_scanner.ingest.lines import LineParser

    parser = LineParser()
    assert parser.tagger == "perceptron", "tests expect NLTK_DATA to point at ../shared/nltk_data"
    return parser


@pytest.fixture
def demo_profiles() -> list[StoreProfile]:
    return load_store_set("demo").stores


@pytest.fixture
async def simulator(demo_profiles: list[StoreProfile]) -> AsyncIterator[Simulator]:
    async with Simulator(demo_profiles, seed=42) as sim:
        yield sim


@pytest.fixture
def live_profiles(simulator: Simulator, demo_profiles: list[StoreProfile]) -> dict[str, StoreProfile]:
    return {p.id: p for p in simulator.resolve(demo_profiles)}
