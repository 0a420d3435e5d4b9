"""The web service under load, measured over real HTTP against `grocery-scanner serve` in its own
process (the embedded demo stores, a fresh data folder):

- health_p50_ms / health_p95_ms / health_requests_per_s: /health, 500 requests, 20 at a time;
- submit_p95_ms: the 202 answer to a plan submission, under the concurrent load below;
- plan_cold_s: one plan (three example recipes) from submission to result, the cache empty;
- concurrent_plans, concurrent_succeeded, concurrent_wall_s, plan_p50_s, plan_p95_s: that many plans
  submitted at once (each a different pair of example recipes), until all have finished;
- status_p95_ms: status requests while those plans run;
- server_rss_mb: the service's resident memory at the end.

    python bench/service.py [--plans 20]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
import psutil

from common import ROOT, emit

EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _wait_ready(client: httpx.AsyncClient, deadline_s: float = 60) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the service did not become ready")


async def _finish(client: httpx.AsyncClient, plan_id: str, polls: list[float]) -> tuple[str, float]:
    started = time.perf_counter()
    while True:
        asked = time.perf_counter()
        status = (await client.get(f"/api/v1/plans/{plan_id}")).json()
        polls.append((time.perf_counter() - asked) * 1000)
        if status["status"] not in ("queued", "running", "cancelling"):
            return status["status"], time.perf_counter() - started
        await asyncio.sleep(0.25)


async def _submit(client: httpx.AsyncClient, texts: list[str], latencies: list[float]) -> str:
    asked = time.perf_counter()
    response = await client.post("/api/v1/plans", json={"texts": texts, "max_stores": 2})
    latencies.append((time.perf_counter() - asked) * 1000)
    response.raise_for_status()
    return str(response.json()["id"])


async def measure(url: str, plans: int) -> dict[str, object]:
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await _wait_ready(client)
        texts = [path.read_text(encoding="utf-8") for path in EXAMPLES]
        # health
        latencies: list[float] = []
        gate = asyncio.Semaphore(20)

        async def probe() -> None:
            async with gate:
                asked = time.perf_counter()
                (await client.get("/health")).raise_for_status()
                latencies.append((time.perf_counter() - asked) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(probe() for _ in range(500)))
        health_rps = 500 / (time.perf_counter() - started)
        # one cold plan
        submits: list[float] = []
        polls: list[float] = []
        outcome, cold_s = await _finish(client, await _submit(client, texts[:3], submits), polls)
        if outcome != "succeeded":
            raise SystemExit(f"the cold plan {outcome}")
        # concurrent plans
        submits.clear()
        polls.clear()
        started = time.perf_counter()
        ids = await asyncio.gather(
            *(_submit(client, [texts[i % len(texts)], texts[(i + 1) % len(texts)]], submits) for i in range(plans))
        )
        finished = await asyncio.gather(*(_finish(client, plan_id, polls) for plan_id in ids))
        wall = time.perf_counter() - started
    times = [seconds for _, seconds in finished]
    return {
        "health_p50_ms": round(statistics.median(latencies), 2),
        "health_p95_ms": round(_p(latencies, 0.95), 2),
        "health_requests_per_s": round(health_rps),
        "plan_cold_s": round(cold_s, 2),
        "concurrent_plans": plans,
        "concurrent_succeeded": sum(1 for outcome, _ in finished if outcome == "succeeded"),
        "concurrent_wall_s": round(wall, 2),
        "plan_p50_s": round(statistics.median(times), 2),
        "plan_p95_s": round(_p(times, 0.95), 2),
        "submit_p95_ms": round(_p(submits, 0.95), 1),
        "status_p95_ms": round(_p(polls, 0.95), 1),
    }


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--plans", type=int, default=20, help="Plans submitted at once.")
    options = args.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "GROCERY_DATA_DIR": data,
            "GROCERY_SERVICE__RATE_LIMIT": "100000/minute",
            "GROCERY_SERVICE__SUBMIT_RATE_LIMIT": "100000/minute",
            "PYTHONPATH": str(ROOT / "src"),
        }
        env.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))
        server = subprocess.Popen(
            [sys.executable, "-m", "grocery_scanner", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            figures = asyncio.run(measure(f"http://127.0.0.1:{port}", options.plans))
            figures["server_rss_mb"] = round(psutil.Process(server.pid).memory_info().rss / 2**20, 1)
        finally:
            server.terminate()
            server.wait(timeout=60)
    emit(figures)


if __name__ == "__main__":
    main()
