"""Store profiles: the reliability settings, their defaults, and impossible settings refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from grocery_scanner.errors import UserInputError
from grocery_scanner.stores.profiles import load_store_set

STORE = "  - {{id: harbour, name: Harbour, connector: {connector}, base_url: simulator{extra}}}\n"


def _set(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text("name: mine\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "connector", "message"),
    [
        (", limits: {rate_per_s: -1}", "voila", "store harbour.limits.rate_per_s: Input should be greater than 0"),
        (", limits: {timeout_s: 0}", "voila", "store harbour.limits.timeout_s: Input should be greater than 0"),
        ("", "voila-v9", "store harbour.connector: Value error, unknown connector 'voila-v9'"),
        (", breaker: {window: 3, min_calls: 5}", "voila", "store harbour.breaker: Value error, min_calls must not"),
        (", retry: {attempts: 0}", "voila", "store harbour.retry.attempts: Input should be greater than or equal to 1"),
        (", limits: {peak_hours: [25]}", "voila", "store harbour.limits: Value error, peak_hours are hours"),
        (", alternative: harbour-flyer", "voila", "alternative 'harbour-flyer' is not another store of the set"),
        (", alternative: harbour", "voila", "alternative 'harbour' is not another store of the set"),
    ],
)
def test_an_impossible_setting_is_refused_naming_the_store_and_field(
    tmp_path: Path, extra: str, connector: str, message: str
) -> None:
    path = _set(tmp_path, "stores:\n" + STORE.format(connector=connector, extra=extra))
    with pytest.raises(UserInputError) as refused:
        load_store_set(str(path))
    assert message in str(refused.value)


def test_set_defaults_apply_to_every_store_and_a_store_overrides_them(tmp_path: Path) -> None:
    body = (
        "defaults: {limits: {rate_per_s: 2, concurrency: 1}, breaker: {probes: 3}}\n"
        "stores:\n"
        + STORE.format(connector="voila", extra=", limits: {rate_per_s: 0.5}")
        + STORE.format(connector="voila", extra="").replace("harbour", "maple").replace("Harbour", "Maple")
    )
    harbour, maple = load_store_set(str(_set(tmp_path, body))).stores
    assert (harbour.limits.rate_per_s, harbour.limits.concurrency, harbour.breaker.probes) == (0.5, 1, 3)
    assert (maple.limits.rate_per_s, maple.limits.concurrency, maple.breaker.probes) == (2, 1, 3)
    assert maple.retry.attempts == 5  # the built-in default where neither says


def test_robots_txt_pacing_rules_for_our_agent_or_everyone() -> None:
    from grocery_scanner.reliability.robots import robots_interval

    assert robots_interval("User-agent: *\nDisallow: /cart\nCrawl-delay: 2\n") == 2.0
    ours_first = "User-agent: grocery-scanner\nRequest-rate: 1/5\n\nUser-agent: *\nCrawl-delay: 1\n"
    assert robots_interval(ours_first) == 5.0
    assert robots_interval("User-agent: *\nDisallow: /\n") is None
    assert robots_interval("<html>not a robots file</html>") is None


def test_a_store_on_standby_is_searched_only_when_chosen(tmp_path: Path) -> None:
    body = (
        "stores:\n"
        + STORE.format(connector="voila", extra=", alternative: flyer")
        + STORE.format(connector="flipp", extra=", standby: true").replace("harbour", "flyer")
    )
    stores = load_store_set(str(_set(tmp_path, body)))
    assert [s.id for s in stores.select(None)] == ["harbour"]
    assert [s.id for s in stores.select(["flyer"])] == ["flyer"]
