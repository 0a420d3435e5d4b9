"""The service killed (SIGKILL) in the middle of a plan: the next service process takes the plan back
once its lease has run out, resumes it from what was recorded, and only then reports ready."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.service.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GROCERY_DATA_DIR": str(data_dir),
        "GROCERY_HEARTBEAT_S": "0.5",
        "GROCERY_RUN_STALE_S": "3",
        "GROCERY_SERVICE__SUBMIT_RATE_LIMIT": "1000/minute",
        "PYTHONPATH": str(ROOT / "src"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "grocery_scanner", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _ready(client: httpx.Client, deadline_s: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        try:
            if client.get("/health/ready").status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the service did not become ready")


def test_a_plan_survives_the_service_being_killed(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "examples").glob("*.txt"))]
    first = _start(tmp_path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _ready(client)
            plan_id = client.post("/api/v1/plans", json={"texts": texts}).json()["id"]
            deadline = time.monotonic() + 60
            while client.get(f"/api/v1/plans/{plan_id}").json()["searches_done"] < 5:
                assert time.monotonic() < deadline, "the plan never got to its searches"
                time.sleep(0.05)
            status = client.get(f"/api/v1/plans/{plan_id}").json()
            assert status["status"] == "running" and status["searches_done"] < status["searches_total"]
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            second = _start(tmp_path, port)
            try:
                waited = _ready(client)
                assert waited >= 1.0  # not ready while the dead process's lease had not run out
                recovery = client.get("/health/ready").json()["recovery"]
                assert recovery == {"resumed": 1, "restarted": 0, "left": 0}
                assert wait_for(client, plan_id, 120)["status"] == "succeeded"
                result = client.get(f"/api/v1/plans/{plan_id}/result").json()
                assert result["plan"]["stores"] and len(result["recipes"]) >= len(texts)
            finally:
                second.terminate()
                second.wait(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
