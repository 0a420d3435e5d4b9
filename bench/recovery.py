"""A ten-recipe plan killed with SIGKILL in the middle of its searches, then resumed (see
grocery_scanner/scenarios/crash.py): the plans run as processes against the simulator in this one, whose
log of every search it served tells what the resumed run asked again. The cache is left out of the plans,
so only the resume spares the stores.

Figures: resume_to_running_s (from starting the resume, a new process, until its first request reaches a
store; target <= 2), repeated_requests (search pages done before the kill asked again; target 0),
plan_equal (the same purchases and total as an uninterrupted run), items_lost (search pages of the run
neither done nor failed at its end; target 0), and what was done before the kill.
Last line: one JSON object.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
from pathlib import Path

from common import ROOT, emit

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.scenarios.crash import crash_and_resume
from workflow import EXAMPLES, RECIPES


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        outcome = asyncio.run(crash_and_resume([str(EXAMPLES / name) for name in RECIPES], Path(folder)))
    emit(dataclasses.asdict(outcome))


if __name__ == "__main__":
    main()
