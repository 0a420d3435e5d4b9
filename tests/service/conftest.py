"""A running service for the API and browser tests: uvicorn serving `create_app` on a free loopback
port in a thread, over a fresh data folder, with the embedded demo stores. Requests go over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from grocery_scanner.api.app import create_app
from grocery_scanner.settings import Settings

API_KEY = "test-admin-key"


@dataclass
class LiveServer:
    url: str
    settings: Settings
    server: uvicorn.Server

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]


def serve(settings: Settings) -> Iterator[LiveServer]:
    """The service on a free port until the test is done; stopped the way SIGTERM stops it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings, server)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def service_settings(data_dir: Path, top: dict[str, object] | None = None, **service: object) -> Settings:
    """Test settings: `service` are the service's own, `top` any others."""
    return Settings(
        data_dir=data_dir,
        max_pages=1,
        service={"api_key": API_KEY, "rate_limit": "10000/minute", "submit_rate_limit": "1000/minute", **service},
        **(top or {}),  # type: ignore[arg-type]
    )


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from serve(service_settings(tmp_path / "data"))


def wait_for(client: httpx.Client, plan_id: str, timeout_s: float = 90) -> dict:
    """The plan's status once it has finished."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/plans/{plan_id}").json()
        if body["status"] not in ("queued", "running", "cancelling"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"plan {plan_id} did not finish in {timeout_s} s")
