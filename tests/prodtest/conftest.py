"""Running `grocery-scanner prodtest` (or the repository's wrapper) as a user would: a new process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, wrapper: bool = False, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    command = [str(ROOT / "run_production_tests.py")] if wrapper else ["-m", "grocery_scanner", "prodtest"]
    return subprocess.run([sys.executable, *command, *args], capture_output=True, text=True, timeout=timeout)
