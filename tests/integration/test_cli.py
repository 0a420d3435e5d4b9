"""Store profiles and the command line, run as a user would (a new process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grocery_scanner.errors import UserInputError
from grocery_scanner.stores.profiles import SIMULATOR_URL, load_store_set

DATA_DIR = tempfile.mkdtemp(prefix="grocery-cli-tests-")  # never the user's own database


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grocery_scanner", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "GROCERY_DATA_DIR": os.environ.get("GROCERY_DATA_DIR", DATA_DIR)},
    )


def test_bundled_store_sets_load() -> None:
    demo = load_store_set("demo")
    assert all(s.base_url == SIMULATOR_URL for s in demo.stores) and len(demo.stores) >= 3
    assert len({s.connector for s in demo.stores}) == len(demo.stores)  # each demo store speaks its own format
    canada = load_store_set("canada")
    assert not any(s.base_url == SIMULATOR_URL for s in canada.stores)
    assert {"flipp", "pcexpress", "metro-html", "voila"} <= {s.connector for s in canada.stores}


def test_unknown_store_and_set_errors_list_the_valid_ones() -> None:
    with pytest.raises(UserInputError, match="valid ids in set 'demo': maple-market, northern-basket"):
        load_store_set("demo").select(["nope"])
    with pytest.raises(UserInputError, match="valid sets: canada, demo"):
        load_store_set("atlantis")


def test_invalid_store_set_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "stores.yaml"
    bad.write_text("name: mine\nstores:\n  - id: Bad Id\n    name: x\n    connector: voila\n    base_url: http://x\n")
    with pytest.raises(UserInputError, match=r"stores\.0\.id"):
        load_store_set(str(bad))


def test_secret_headers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROCERY_PCX_API_KEY", "k-123")
    nofrills = load_store_set("canada").select(["nofrills"])[0]
    assert nofrills.resolved_headers()["x-apikey"] == "k-123"
    assert "k-123" not in nofrills.model_dump_json()


def test_cli_search_json_on_the_demo_stores() -> None:
    done = run_cli("search", "unsalted butter", "--store", "maple-market", "--store", "harbour-foods", "-f", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {r["store"] for r in rows} == {"maple-market", "harbour-foods"}
    assert all(
        {"name", "brand", "size", "price", "regular_price", "sale", "unit_price", "unit"} <= r.keys() for r in rows
    )
    assert any("Unsalted Butter" in r["name"] for r in rows)


def test_cli_offers_parses_a_saved_page(fixtures_dir: Path) -> None:
    page = fixtures_dir / "metro" / "metro_search_results_reduced_2026-09-20.html"
    done = run_cli("offers", str(page), "--connector", "metro-html", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 12 and rows[3]["name"] == "Large Eggs" and rows[3]["price"] == "5.99"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "milk", "--store", "nope"], "unknown store id nope; valid ids in set 'demo'"),
        (["search", "milk", "--store-set", "atlantis"], "unknown store set 'atlantis'; valid sets"),
        (["offers", "missing.html", "--connector", "metro-html"], "missing.html: no such file"),
        (["offers", "README.md", "--connector", "soap"], "unknown connector 'soap'; valid connectors"),
    ],
)
def test_cli_bad_input_is_one_clear_line(args: list[str], message: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_cli_reports_a_parse_error_for_a_broken_saved_page(tmp_path: Path) -> None:
    broken = tmp_path / "page.json"
    broken.write_text('{"results": [{"code": "1"')
    done = run_cli("offers", str(broken), "--connector", "pcexpress")
    assert done.returncode == 2 and "not valid JSON" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the input is empty"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"1/2\n3/4\n", "no ingredient could be read"),
    ],
)
def test_cli_parse_bad_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    done = run_cli("parse", str(path))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("folder", "name", "connector"),
    [
        ("metro", "metro_search_results_reduced_2026-09-20.html", "metro-html"),
        ("voila", "voila_safeway_search_milk_2023-07-17.json", "voila"),
        ("pcexpress", "nextdata_tiles_nofrills_2026-01-02.jsonl", "pcexpress-nextdata"),
        ("sobeys", "algolia_dxp_product_en_milk_page0_raw.json", "sobeys-algolia"),
        ("flipp/flyer_items", "foodbasics.json", "flipp-flyer"),
    ],
)
def test_cli_offers_detects_the_format(fixtures_dir: Path, folder: str, name: str, connector: str) -> None:
    done = run_cli("offers", str(fixtures_dir / folder / name), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert f"detected format: {connector}" in done.stderr and json.loads(done.stdout)


def test_cli_offers_names_the_connector_that_fits(fixtures_dir: Path, tmp_path: Path) -> None:
    flyer = fixtures_dir / "flipp" / "flyer_items" / "foodbasics.json"
    done = run_cli("offers", str(flyer), "--connector", "flipp")
    assert done.returncode == 2 and "try --connector flipp-flyer" in done.stderr and "Traceback" not in done.stderr
    text = tmp_path / "notes.txt"
    text.write_text("just some words\n")
    done = run_cli("offers", str(text))
    assert done.returncode == 2 and "no connector reads offers from it" in done.stderr


def test_sobeys_reads_recorded_hits_one_a_line(fixtures_dir: Path, tmp_path: Path) -> None:
    """The JSON-lines shape scrapers save (each hit, or wrapped in raw_source.data), as for PC Express tiles."""
    from grocery_scanner.stores.registry import get_connector

    doc = json.loads((fixtures_dir / "sobeys" / "algolia_dxp_product_en_milk_page0_raw.json").read_text())
    hits = doc["results"][0]["hits"][:4]
    lines = "\n".join(json.dumps({"raw_source": {"data": h}} if i % 2 else h) for i, h in enumerate(hits))
    offers = get_connector("sobeys-algolia").parse(lines, "sobeys").offers
    assert [o.product.sku for o in offers] == [str(h["objectID"]) for h in hits]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GROCERY_MAX_PAGES": "abc"}, "GROCERY_MAX_PAGES (max_pages): Input should be a valid integer"),
        ({"GROCERY_HTTP_TIMEOUT_S": "-1"}, "GROCERY_HTTP_TIMEOUT_S (http_timeout_s)"),
        ({"GROCERY_DATABASE_URL": "garbage://"}, "GROCERY_DATABASE_URL: unsupported database 'garbage'"),
    ],
)
def test_bad_settings_are_one_line_naming_the_setting(env: dict[str, str], message: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grocery_scanner", "history", "milk"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GROCERY_DATA_DIR": str(tmp_path), **env},
    )
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_malformed_config_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "grocery-scanner.yaml"
    config.write_text("max_pages: [\n")
    done = subprocess.run(
        [sys.executable, "-m", "grocery_scanner", "history", "milk"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GROCERY_CONFIG_FILE": str(config), "GROCERY_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 2 and f"{config}: not readable YAML" in done.stderr and "Traceback" not in done.stderr


def test_plan_checks_its_output_path_before_any_work(tmp_path: Path) -> None:
    recipe = tmp_path / "r.txt"
    recipe.write_text("2 cups milk\n")
    done = run_cli("plan", str(recipe), "--output", str(tmp_path / "missing" / "plan.txt"))
    assert done.returncode == 2 and "no such directory" in done.stderr and "Traceback" not in done.stderr
    assert "searching" not in done.stderr  # failed before any store was searched


@pytest.mark.parametrize(
    ("stores", "message"),
    [
        ("stores: []\n", "stores: List should have at least 1 item"),
        (
            "stores:\n" + "  - {id: a, name: A, connector: voila, base_url: simulator}\n" * 2,
            "store id a is used more than once",
        ),
    ],
)
def test_store_sets_with_no_or_duplicate_stores_are_refused(stores: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text("name: mine\n" + stores)
    done = run_cli("search", "milk", "--store-set", str(path))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_simulator_serve_honours_its_port() -> None:
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "grocery_scanner", "simulator", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                stores = httpx.get(f"http://127.0.0.1:{port}/__admin/stores", timeout=1).json()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("the simulator did not answer on its port")
        assert {s["id"] for s in stores} >= {"maple-market", "harbour-foods"}
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_help_leads_with_plan() -> None:
    done = run_cli("--help")
    first_command = done.stdout.split("Commands", 1)[1].split("│", 2)[1].split()[0]
    assert done.returncode == 0 and first_command == "plan"


def test_failed_searches_are_summarised_per_store() -> None:
    from grocery_scanner.errors import ServerError
    from grocery_scanner.stores.client import StoreResult
    from grocery_scanner.workflow.stages import failure_summary

    results = [StoreResult("harbour-foods", q, error=ServerError("harbour-foods", "HTTP 503")) for q in "abc"]
    results += [StoreResult("maple-market", q) for q in "abc"]
    assert failure_summary(results, {"harbour-foods": "Harbour Foods"}) == [
        "Harbour Foods: 3 of 3 searches failed: HTTP 503"
    ]


def test_search_records_what_it_sees_for_the_history(tmp_path: Path) -> None:
    env = {**os.environ, "GROCERY_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "grocery_scanner"]
    searched = subprocess.run([*command, "search", "unsalted butter", "--format", "json"], env=env, capture_output=True)
    assert searched.returncode == 0, searched.stderr
    history = subprocess.run([*command, "history", "unsalted butter"], env=env, capture_output=True, text=True)
    assert history.returncode == 0 and "Unsalted Butter" in history.stdout
