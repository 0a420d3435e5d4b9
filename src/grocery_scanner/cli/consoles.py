"""The terminal every command writes to (results on stdout, wide when piped; messages on stderr) and the
formats results can be written in."""

from __future__ import annotations

import sys
from enum import StrEnum

from rich.console import Console

console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
