"""Structured logging: JSON lines for a service, readable lines for a terminal."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from grocery_scanner.monitoring.logs import configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def test_json_logs_are_one_object_per_line(restored_logging, capfd) -> None:
    configure_logging("json", "INFO")
    logging.getLogger("grocery_scanner.test").warning("store %s is %s", "harbour-foods", "down")
    line = json.loads(capfd.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "store harbour-foods is down"
    assert line["level"] == "warning" and line["logger"] == "grocery_scanner.test" and "timestamp" in line


def test_console_logs_are_readable_and_below_the_level_nothing(restored_logging, capfd) -> None:
    configure_logging("console", "WARNING")
    logging.getLogger("grocery_scanner.test").info("not shown")
    logging.getLogger("grocery_scanner.test").warning("shown")
    err = capfd.readouterr().err
    assert "shown" in err and "not shown" not in err and not err.lstrip().startswith("{")
