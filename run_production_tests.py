"""Runs the production scenarios under the original documentation's options: `grocery-scanner prodtest`.

A thin wrapper (docs/prodtest.md): --list-tests is --list; --test, --export and --duration-scale pass on.

    python run_production_tests.py [--test NAME ...] [--list-tests] [--export FILE] [--duration-scale X]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "src"


def command_line(argv: list[str]) -> list[str]:
    """These options as `grocery-scanner prodtest` arguments."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--test", action="append", default=[], metavar="NAME", help="run only this scenario")
    options.add_argument("--list-tests", action="store_true", help="list the scenarios")
    options.add_argument("--export", metavar="FILE", help="write every figure and check to this JSON file")
    options.add_argument("--duration-scale", metavar="X", help="scale durations and counts (0.1: quick)")
    given = options.parse_args(argv)
    args = ["prodtest", *(arg for name in given.test for arg in ("--test", name))]
    args += ["--list"] if given.list_tests else []
    args += ["--export", given.export] if given.export else []
    args += ["--duration-scale", given.duration_scale] if given.duration_scale else []
    return args


if __name__ == "__main__":
    arguments = command_line(sys.argv[1:])
    if SOURCE.is_dir():  # a source checkout: its package, installed or not
        sys.path.insert(0, str(SOURCE))
    from grocery_scanner.cli.app import main

    sys.argv = ["grocery-scanner", *arguments]
    main()
