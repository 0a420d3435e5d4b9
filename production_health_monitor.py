"""The health monitor as the system's original documentation gives it; a thin wrapper over
`grocery-scanner health check|monitor|export`.

    python production_health_monitor.py --mode check|monitor|export [--interval 30] [--export-file health_report.json]
"""

from __future__ import annotations

import argparse
import sys

from grocery_scanner.cli.app import main


def run() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--mode", choices=("check", "monitor", "export"), default="check")
    args.add_argument("--interval", type=float, default=30.0, help="seconds between checks (monitor)")
    args.add_argument("--export-file", default="health_report.json", help="where export writes the report")
    given = args.parse_args()
    command = ["health", given.mode]
    if given.mode == "monitor":
        command += ["--interval", str(given.interval)]
    elif given.mode == "export":
        command += ["--export-file", given.export_file]
    sys.argv = [sys.argv[0], *command]
    main()


if __name__ == "__main__":
    run()
