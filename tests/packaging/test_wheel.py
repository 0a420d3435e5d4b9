"""The built wheel installs into a fresh virtual environment and plans on the demo stores from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def test_the_wheel_installs_and_plans_from_another_directory(tmp_path: Path) -> None:
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", ROOT, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("grocery_scanner-*.whl"))
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["GROCERY_DATA_DIR"] = str(elsewhere / "data")
    (elsewhere / "list.txt").write_text("2 cups all-purpose flour\n1 cup milk\n2 eggs\n", encoding="utf-8")
    done = _run(venv / "bin" / "grocery-scanner", "plan", "list.txt", "--format", "json", cwd=elsewhere, env=env)
    assert '"total"' in done.stdout and '"stores"' in done.stdout
    located = _run(
        venv / "bin" / "python", "-c", "import grocery_scanner; print(grocery_scanner.__file__)", cwd=elsewhere
    )
    assert str(venv) in located.stdout  # the installed copy ran, not the source tree
    pages = _run(
        venv / "bin" / "python",
        "-c",
        "from grocery_scanner.api import pages; "
        "print((pages.HERE / 'templates' / 'plan.html').is_file(), (pages.STATIC_DIR / 'plan.js').is_file())",
        cwd=elsewhere,
    )
    assert pages.stdout.split() == ["True", "True"]  # the web pages' templates and scripts ship in the wheel
