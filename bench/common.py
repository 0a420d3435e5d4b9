"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("GROCERY_FIXTURES_DIR", ROOT.parent / "shared" / "fixtures"))


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(figures: dict[str, Any]) -> None:
    """The last line of every benchmark: one JSON object of figures."""
    sys.stdout.write(json.dumps(figures) + "\n")
