"""The command's options: the list, and bad input refused in one line (exit 2, no traceback) before any
scenario runs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grocery_scanner.prodtest.scenarios import SCENARIOS
from tests.prodtest.conftest import run


def test_list_names_every_scenario() -> None:
    done = run("--list")
    assert done.returncode == 0, done.stderr
    assert all(name in done.stdout for name in SCENARIOS)
    assert len(SCENARIOS) == 8


def test_the_wrapper_keeps_the_original_options() -> None:
    listed = run("--list-tests", wrapper=True)
    assert listed.returncode == 0, listed.stderr
    assert all(name in listed.stdout for name in SCENARIOS)
    refused = run("--test", "nope", wrapper=True)
    assert refused.returncode == 2
    assert "unknown scenario nope" in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--test", "nope"], "unknown scenario nope; valid: basic_workflow"),
        (["--test", "basic_workflow", "--test", "endurence"], "unknown scenario endurence"),
        (["--duration-scale", "0"], "--duration-scale: must be above 0"),
        (["--duration-scale", "-1"], "--duration-scale: must be above 0"),
        (["--duration-scale", "nan"], "--duration-scale: must be above 0"),
        (["--duration-scale", "5000"], "at most 1000"),
        (["--export", "{missing}/results.json"], "no such directory"),
        (["--export", "{folder}"], "is a directory"),
    ],
)
def test_bad_input_is_one_line_before_any_scenario(tmp_path: Path, args: list[str], message: str) -> None:
    filled = [a.format(missing=tmp_path / "missing", folder=tmp_path) for a in args]
    started = time.monotonic()
    done = run(*filled)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert time.monotonic() - started < 20  # refused at once: no scenario ran
