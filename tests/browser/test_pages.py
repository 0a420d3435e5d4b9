"""The web pages in a real browser: a plan from the form to the printed list and the CSV, validation
errors next to their fields, the live dashboard, and the price history chart."""

from __future__ import annotations

import re
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import RECIPE, amount, assert_labelled, screenshot
from tests.service.conftest import API_KEY, LiveServer, serve, service_settings


def test_a_plan_runs_from_the_form_to_a_result_by_store(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan a shop")
    assert_labelled(page)
    page.get_by_label("Recipes or shopping list").fill(RECIPE)
    page.get_by_role("button", name="Plan my shop").click()

    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#progress-live")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#result")).to_be_visible(timeout=60_000)
    expect(page.locator("#progress-text")).to_have_text("The plan is ready.")
    expect(page.locator("#progress-bar")).to_have_attribute("value", "100")
    searches = page.locator("#progress-searches").text_content() or ""
    assert re.fullmatch(r"Searches done: (\d+) of \1", searches), searches  # the events reached the page

    stores = page.locator(".store-plan")
    assert stores.count() >= 1
    for i in range(stores.count()):
        store = stores.nth(i)
        expect(store.locator("h3")).not_to_be_empty()
        costs = [amount(t) for t in store.locator(".line-cost").all_text_contents()]
        assert costs and sum(costs) == amount(store.locator(".store-total").text_content())
    expect(page.locator(".store-plan tbody th", has_text="milk")).to_have_count(1)
    milk = page.locator(".store-plan tbody tr", has=page.locator("th", has_text="milk"))
    expect(milk.locator("td.product")).to_contain_text(re.compile("milk", re.I))

    store_totals = [amount(t) for t in page.locator(".store-total").all_text_contents()]
    shown_total = amount(page.locator("#plan-total").text_content())
    assert shown_total == sum(store_totals)

    csv_link = page.get_by_role("link", name="Download CSV")
    href = csv_link.get_attribute("href") or ""
    plan_id = re.fullmatch(r"/api/v1/plans/([0-9a-f-]{36})/result\.csv", href)
    assert plan_id, href
    api_plan = httpx.get(f"{server.url}/api/v1/plans/{plan_id[1]}/result", timeout=10).json()["plan"]
    assert shown_total == Decimal(api_plan["total"])
    assert len(store_totals) == len(api_plan["stores"])

    with page.expect_download() as download_info:
        csv_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    lines = Path(download.path()).read_text().splitlines()
    assert lines[0].startswith("store,ingredient,product"), lines[0]
    assert len(lines) == 1 + sum(len(s["lines"]) for s in api_plan["stores"])
    screenshot(page, "plan")

    # a store's print button prints that store's list alone
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    first = stores.first
    first.get_by_role("button", name=re.compile("^Print the .* shopping list$")).click()
    assert page.evaluate("window.printed")
    page.emulate_media(media="print")  # what the print shows (no afterprint: the dialog was stubbed)
    printed = page.evaluate(
        """() => Array.from(document.querySelectorAll('.store-plan, #plan-issues, #plan-form, .site-header'))
            .filter((n) => getComputedStyle(n).display !== 'none').map((n) => n.id)"""
    )
    assert printed == [first.get_attribute("id")]
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing spills sideways
    screenshot(page, "plan-phone")


def test_validation_errors_show_next_to_the_form(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_role("button", name="Plan my shop").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Recipes or shopping list: give at least one recipe")
    expect(page.locator("#texts")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#texts-error")).to_be_visible()

    page.get_by_label("Recipes or shopping list").fill("2 eggs\n1 cup milk")
    page.get_by_label(re.compile("^Budget")).fill("-5")
    page.get_by_label(re.compile("^Most stores to visit")).fill("0")
    page.get_by_role("button", name="Plan my shop").click()
    expect(summary).to_contain_text("Budget: Input should be greater than 0")
    expect(summary).to_contain_text("Most stores to visit: Input should be greater than or equal to 1")
    expect(page.locator("#budget")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#budget-error")).to_have_text("Input should be greater than 0")
    expect(page.locator("#texts")).not_to_have_attribute("aria-invalid", "true")  # the earlier error is gone
    expect(page.locator("#progress")).to_be_hidden()

    summary.get_by_role("link", name="Budget").click()  # the summary leads to the field
    expect(page.locator("#budget")).to_be_focused()
    screenshot(page, "plan-errors")
    # the browser logs each refused request; those were the point here
    page.problems[:] = [p for p in page.problems if "status of 422" not in p]


def test_the_dashboard_shows_live_figures(page: Page, server: LiveServer, finished_plan: dict) -> None:
    page.goto(server.url + "/dashboard")
    expect(page.locator("#health-score")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#health-components tbody tr")).not_to_have_count(0)
    rows = page.locator("#store-table tbody tr")
    expect(rows.first).to_have_attribute("data-store", re.compile(".+"))
    with httpx.Client(base_url=server.url) as client:
        stores = client.get("/api/v1/stores").json()
    expect(rows).to_have_count(len(stores))
    for store in stores:
        row = page.locator(f'#store-table tr[data-store="{store["id"]}"]')
        expect(row.locator("th")).to_have_text(store["name"])
        expect(row.locator("td").nth(1)).to_have_text(store["breaker"])
    expect(page.locator('#sla-table tr[data-sla="plan_p95_s"] td').nth(3)).to_have_text("met")
    expect(page.locator("#plans-recent")).to_contain_text("succeeded")
    expect(page.locator("#alert-count")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#letters-open")).to_have_text(re.compile(r"^\d+$"))

    measured = page.locator("#measured-at")
    first = measured.get_attribute("datetime")
    assert first
    expect(measured).not_to_have_attribute("datetime", first, timeout=10_000)  # the next poll
    screenshot(page, "dashboard")


def test_the_product_page_charts_price_history(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/products")
    assert_labelled(page)
    page.get_by_label("Product", exact=True).fill("milk")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#results-table tbody tr")
    expect(rows.first.locator("input.pick")).to_be_visible(timeout=30_000)
    expect(page.locator("#search-status")).to_contain_text("found for “milk”")

    first_store = rows.first.locator("td").nth(1).text_content()
    rows.first.locator("input.pick").check()
    chart = page.locator("#chart")
    expect(chart.locator("svg.main-svg").first).to_be_attached()
    expect(chart.locator(".scatterlayer .trace")).to_have_count(1)
    other = rows.filter(has_not=page.locator("td:nth-child(2)", has_text=first_store or "")).first
    other.locator("input.pick").check()
    expect(chart.locator(".scatterlayer .trace")).to_have_count(2)  # one line per store's product
    expect(page.locator("#history-status")).to_have_text(re.compile("The chart shows 2 product"))
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "products")

    link = rows.first.locator("td").nth(2).get_by_role("link")
    link.click()
    expect(page).to_have_url(re.compile(r"/products/[^/]+/[^/]+$"))
    expect(page.locator("#chart svg.main-svg").first).to_be_attached()
    expect(page.locator("#product-title")).not_to_have_text("Price history")
    screenshot(page, "product")

    page.goto(server.url + "/products/maple-market/no-such-sku")
    expect(page.locator("#history-status")).to_contain_text("No prices have been recorded")
    expect(page.locator("#chart svg.main-svg")).to_have_count(0)


def test_a_service_that_guards_writes_takes_the_key_on_the_page(page: Page, tmp_path: Path) -> None:
    with contextmanager(serve)(service_settings(tmp_path / "data", protect_writes=True)) as guarded:
        page.goto(guarded.url + "/")
        key = page.get_by_label(re.compile("^API key"))
        expect(key).to_have_attribute("type", "password")
        page.get_by_label("Recipes or shopping list").fill("2 eggs\n1 cup milk")
        page.get_by_role("button", name="Plan my shop").click()
        expect(page.get_by_role("alert")).to_contain_text("API key: write endpoints need the API key")
        expect(key).to_have_attribute("aria-invalid", "true")

        key.fill(API_KEY)
        page.get_by_role("button", name="Plan my shop").click()
        expect(page.locator("#result")).to_be_visible(timeout=60_000)
        expect(page.locator(".store-plan").first).to_be_visible()
        page.problems[:] = [p for p in page.problems if "status of 401" not in p]
