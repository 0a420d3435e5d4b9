"""Bad inputs through the real CLI: one line naming the problem, exit code 2, no traceback, nothing stored
but a failed run (or nothing at all when the input is refused before a run starts)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pancakes.txt"

# (files to write, command, text the one error line must hold); {d} is the case's own folder
CASES: list[tuple[dict[str, bytes], list[str], str]] = [
    ({}, ["plan", "{d}/missing.txt"], "missing.txt: no such file"),
    ({}, ["plan", "{d}"], "is a directory"),
    ({"empty.txt": b""}, ["plan", "{d}/empty.txt"], "the input is empty"),
    ({"blank.txt": b"  \n\n"}, ["plan", "{d}/blank.txt"], "the input is empty"),
    ({"bin.txt": b"\x00\x01\x02binary"}, ["plan", "{d}/bin.txt"], "binary file"),
    ({"latin.txt": "2 tasses de caf\xe9\n".encode("latin-1")}, ["plan", "{d}/latin.txt"], "not UTF-8"),
    ({"nums.txt": b"1/2\n3/4\n"}, ["plan", "{d}/nums.txt"], "no ingredient could be read"),
    ({"neg.txt": b"-3 cups flour\n"}, ["plan", "{d}/neg.txt"], "negative amount"),
    ({"huge.txt": b"1e15 g sugar\n"}, ["plan", "{d}/huge.txt"], "amount too large"),
    ({"inf.txt": b"1e308 cups butter\n"}, ["plan", "{d}/inf.txt"], "amount too large"),
    ({"eggs.txt": b"99999999999999999999999 eggs\n"}, ["plan", "{d}/eggs.txt"], "amount too large"),
    ({"bad.json": b'{"title": "x"'}, ["plan", "{d}/bad.json"], "invalid JSON"),
    ({"r.json": b'{"recipes": "x"}'}, ["plan", "{d}/r.json"], "'recipes' must be a list"),
    ({"deep.json": b"[" * 100_000 + b"]" * 100_000}, ["plan", "{d}/deep.json"], "nested too deeply"),
    ({"n.json": b"[1, 2]"}, ["plan", "{d}/n.json"], "recipe 1 is not an object"),
    ({"i.json": b'{"ingredients": "milk"}'}, ["plan", "{d}/i.json"], "needs 'ingredients'"),
    ({"s.json": b'{"servings": 1e9, "ingredients": ["1 cup milk"]}'}, ["plan", "{d}/s.json"], "servings"),
    ({"p.html": b"<html><body>no recipe</body></html>"}, ["plan", "{d}/p.html"], "not a recipe page"),
    ({}, ["plan", str(EXAMPLE), "--stores", "nope"], "unknown store id nope"),
    ({}, ["plan", str(EXAMPLE), "--store-set", "atlantis"], "unknown store set 'atlantis'"),
    ({}, ["plan", str(EXAMPLE), "--budget", "abc"], "budget: 'abc' is not a number"),
    ({}, ["plan", str(EXAMPLE), "--budget", "-5"], "budget: must be a positive amount"),
    ({}, ["plan", str(EXAMPLE), "--max-stores", "0"], "--max-stores: must be at least 1"),
    ({}, ["plan", str(EXAMPLE), "--visit-cost", "lots"], "--visit-cost: 'lots' is not a number"),
    ({}, ["plan", str(EXAMPLE), "--output", "{d}/no/such/plan.txt"], "no such directory"),
    ({}, ["plan", str(EXAMPLE), "--output", "{d}"], "is a directory"),
    ({"rules.yaml": b"equivalent: [\n"}, ["plan", str(EXAMPLE), "--rules", "{d}/rules.yaml"], "not readable YAML"),
    ({"rules.yaml": b"colour: blue\n"}, ["plan", str(EXAMPLE), "--rules", "{d}/rules.yaml"], "colour"),
    ({}, ["plan", str(EXAMPLE), "--rules", "{d}/none.yaml"], "no such rules file"),
    ({"set.yaml": b"name: x\nstores: []\n"}, ["plan", str(EXAMPLE), "--store-set", "{d}/set.yaml"], "at least 1"),
    ({"set.yaml": b"stores: [\n"}, ["plan", str(EXAMPLE), "--store-set", "{d}/set.yaml"], "not readable YAML"),
    (
        {"set.yaml": b"name: x\nstores:\n  - {id: a, name: A, connector: soap, base_url: simulator}\n"},
        ["plan", str(EXAMPLE), "--store-set", "{d}/set.yaml"],
        "soap",
    ),
    ({}, ["plan", "ftp://example.com/recipe"], "only http and https"),
    ({}, ["plan", "http://[::1"], "not a valid address"),
    ({}, ["plan", "http://127.0.0.1:9/recipe"], "private or local address"),
    ({}, ["plan", "http://169.254.169.254/latest/meta-data"], "private or local address"),
    ({}, ["parse", "{d}/missing.txt"], "no such file"),
    ({}, ["match", "{d}/missing.txt"], "no such file"),
    ({}, ["offers", "{d}/missing.html"], "no such file"),
    ({"notes.txt": b"just words\n"}, ["offers", "{d}/notes.txt"], "no connector reads offers"),
    ({}, ["offers", str(EXAMPLE), "--connector", "soap"], "unknown connector 'soap'"),
    ({}, ["search", "milk", "--store", "nope"], "unknown store id nope"),
]


def _runs(data_dir: Path) -> list[tuple[str, str | None]]:
    database = data_dir / "grocery.sqlite"
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT status, error FROM workflow_runs").fetchall()


@pytest.mark.parametrize(("files", "command", "message"), CASES, ids=[f"{c[1][0]}-{c[2][:30]}" for c in CASES])
def test_bad_input_is_one_clear_line(tmp_path: Path, files: dict[str, bytes], command: list[str], message: str) -> None:
    case = tmp_path / "case"
    case.mkdir()
    for name, content in files.items():
        (case / name).write_bytes(content)
    data = tmp_path / "data"
    env = {**os.environ, "GROCERY_DATA_DIR": str(data)}
    args = [a.replace("{d}", str(case)) for a in command]
    done = subprocess.run(
        [sys.executable, "-m", "grocery_scanner", *args], capture_output=True, text=True, timeout=120, env=env
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    # nothing is stored but the record of a failed run
    assert all(status == "failed" for status, _ in _runs(data))


SERVICE_CASES = [
    ({}, ["worker"], "queue_url is not set"),
    ({"GROCERY_QUEUE_URL": "redis://127.0.0.1:1/0"}, ["worker"], "the queue's Redis is not reachable"),
    ({"GROCERY_QUEUE_URL": "redis://127.0.0.1:1/0"}, ["serve"], "the queue's Redis is not reachable"),
    ({"GROCERY_DATABASE_URL": "postgresql+asyncpg://u:secret@127.0.0.1:1/x"}, ["serve"], "cannot open database"),
    ({"GROCERY_SERVICE__RATE_LIMIT": "lots"}, ["serve"], "GROCERY_SERVICE__RATE_LIMIT"),
    ({"GROCERY_SHARED_STATE_URL": "redis://127.0.0.1:1/0"}, ["serve"], "GROCERY_SHARED_STATE_URL"),
    ({"GROCERY_SERVICE__MAX_BODY_BYTES": "5"}, ["serve"], "GROCERY_SERVICE__MAX_BODY_BYTES"),
]


@pytest.mark.parametrize(("env", "command", "message"), SERVICE_CASES, ids=[c[2][:30] for c in SERVICE_CASES])
def test_the_service_and_workers_refuse_to_start_in_one_line(
    tmp_path: Path, env: dict[str, str], command: list[str], message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grocery_scanner", *command],
        capture_output=True, text=True, timeout=120, env={**os.environ, "GROCERY_DATA_DIR": str(tmp_path), **env},
    )  # fmt: skip
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "secret" not in done.stderr
