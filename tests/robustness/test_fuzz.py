"""Fuzzing the readers, the line parser and the settings loader: they refuse, they never crash."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grocery_scanner.errors import UserInputError
from grocery_scanner.ingest.lines import LineError
from grocery_scanner.ingest.readers import read_html, read_json, read_text
from grocery_scanner.models import SourceRef

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON_ISH = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(st.text(max_size=400))
def test_text_reader_never_crashes(text: str) -> None:
    try:
        recipes = read_text(text, "fuzz.txt", "Fuzz")
    except UserInputError:
        return
    assert all(r.lines for r in recipes)


@FUZZ
@given(JSON_ISH)
def test_json_reader_refuses_any_shape_it_cannot_read(doc: object) -> None:
    import json

    with contextlib.suppress(UserInputError):
        read_json(json.dumps(doc), "fuzz.json", "Fuzz")


@FUZZ
@given(st.text(max_size=300))
def test_html_reader_never_crashes(html: str) -> None:
    with contextlib.suppress(UserInputError):
        read_html(html, "fuzz.html", "https://localhost/fuzz.html")


@FUZZ
@given(st.text(max_size=80))
def test_line_parser_parses_or_refuses(line_parser, line: str) -> None:
    try:
        parsed = line_parser.parse(line, SourceRef(source="fuzz", line=1))
    except LineError:
        return
    for ingredient in parsed:
        assert ingredient.name and (ingredient.quantity is None or ingredient.quantity.amount > 0)


SETTINGS = ["GROCERY_MAX_PAGES", "GROCERY_HTTP_TIMEOUT_S", "GROCERY_SIMULATOR_PORT", "GROCERY_ALLOW_PRIVATE_URLS"]


@FUZZ
@given(st.sampled_from(SETTINGS), st.text(max_size=20))
def test_settings_loader_names_the_bad_setting(name: str, value: str) -> None:
    from grocery_scanner.settings import load_settings

    if "\x00" in value:
        return  # the environment cannot hold a NUL
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        load_settings()
    except UserInputError as exc:
        assert name in str(exc)
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


@pytest.fixture(autouse=True)
def _no_config_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GROCERY_CONFIG_FILE", str(tmp_path / "none.yaml"))
