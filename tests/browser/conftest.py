"""Browser tests: Debian's Chromium (headless, driven by Playwright) against the service on a free
port. One service and one browser serve the whole folder; each test gets its own page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.service.conftest import LiveServer, serve, service_settings, wait_for

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "test-artifacts" / "screenshots"
RECIPE = """# Pancakes
2 cups flour
2 eggs
1 1/2 cups milk
2 tbsp butter
1 tbsp sugar
"""


# one Chromium for these tests, stopped when they are done: Playwright's sync API keeps an event loop
# running until it stops, and the asyncio tests after them cannot run beside it
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests drive Debian's Chromium; install it with "
            "`apt-get install chromium` (Playwright's own browser download is not used)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(service_settings(tmp_path_factory.mktemp("browser") / "data"))


@pytest.fixture(scope="module")
def finished_plan(server: LiveServer) -> dict:
    """A plan run through the API, so the dashboard has something to show."""
    with server.client() as client:
        accepted = client.post("/api/v1/plans", json={"texts": [RECIPE]})
        assert accepted.status_code == 202, accepted.text
        status = wait_for(client, accepted.json()["id"], timeout_s=60)
        assert status["status"] == "succeeded", status
        return status


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh page (1280 wide); console errors and uncaught exceptions fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.problems = problems  # the test may allow some
    try:
        yield page
    finally:
        context.close()
    assert not problems, f"the page logged errors: {problems}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def amount(text: str | None) -> Decimal:
    """ "$1,234.50" as a number."""
    cleaned = re.sub(r"[^0-9.\-]", "", text or "")
    assert cleaned, f"no amount in {text!r}"
    return Decimal(cleaned)


def assert_labelled(page) -> None:
    """Every form control has a label (or an aria-label) a screen reader can read."""
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter((c) => c.type !== 'hidden' && !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                && !c.getAttribute('aria-labelledby'))
            .map((c) => c.id || c.name || c.outerHTML)"""
    )
    assert unlabelled == [], f"controls without a label: {unlabelled}"
