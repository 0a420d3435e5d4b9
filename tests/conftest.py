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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything outside the unit tests runs processes, servers or databases: marked slow."""
    for item in items:
        if SLOW_FOLDERS & set(Path(item.fspath).parts):
            item.add_marker(pytest.mark.slow)


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
