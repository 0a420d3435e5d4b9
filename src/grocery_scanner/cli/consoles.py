"""The terminal every command writes to: results on stdout (wide when piped), messages on stderr."""

from __future__ import annotations

import sys

from rich.console import Console

console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, soft_wrap=True)
