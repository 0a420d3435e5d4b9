"""The REST API over real HTTP against a running service (uvicorn on loopback, the demo stores)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import API_KEY, LiveServer, serve, service_settings, wait_for

RECIPE = "# Pancakes\nservings: 4\n2 cups all-purpose flour\n2 eggs\n1 1/2 cups milk\n3 tbsp butter\n"


def submit(client: httpx.Client, **body: object) -> str:
    response = client.post("/api/v1/plans", json={"texts": [RECIPE], **body})
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/v1/plans/{response.json()['id']}"
    return str(response.json()["id"])


def test_a_plan_submitted_runs_to_a_result_with_consistent_totals(live_server: LiveServer) -> None:
    with live_server.client() as client:
        plan_id = submit(client, max_stores=2)
        status = wait_for(client, plan_id)
        assert status["status"] == "succeeded", status
        assert status["stages_done"] == status["stages_total"] == 5
        assert status["searches_done"] == status["searches_total"] > 0
        result = client.get(f"/api/v1/plans/{plan_id}/result").json()
        plan = result["plan"]
        assert result["recipes"] == ["Pancakes"]
        assert 1 <= len(plan["stores"]) <= 2
        assert Decimal(plan["total"]) == sum(Decimal(s["total"]) for s in plan["stores"])
        for store in plan["stores"]:
            assert Decimal(store["total"]) == sum(Decimal(line["line_cost"]) for line in store["lines"])
        exported = client.get(f"/api/v1/plans/{plan_id}/result.csv")
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert len(rows) == sum(len(s["lines"]) for s in plan["stores"])
        assert {r["ingredient"] for r in rows} == {line["ingredient"] for s in plan["stores"] for line in s["lines"]}
        listed = client.get("/api/v1/plans").json()
        assert listed[0]["id"] == plan_id and listed[0]["status"] == "succeeded"


def test_events_stream_the_progress_until_the_plan_ends(live_server: LiveServer) -> None:
    with live_server.client() as client:
        plan_id = submit(client)
        seen = []
        with client.stream("GET", f"/api/v1/plans/{plan_id}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    seen.append(json.loads(line[5:]))
    assert seen[-1]["status"] == "succeeded"
    done = [s["stages_done"] for s in seen]
    assert done == sorted(done) and done[-1] == 5
    assert any(s["stage"] == "search" and s["searches_done"] > 0 for s in seen)  # live search progress


def test_a_finished_plan_is_read_from_the_database_after_a_restart(tmp_path: Path) -> None:
    settings = service_settings(tmp_path / "data")
    for server in serve(settings):
        with server.client() as client:
            plan_id = submit(client)
            assert wait_for(client, plan_id)["status"] == "succeeded"
            total = client.get(f"/api/v1/plans/{plan_id}/result").json()["plan"]["total"]
    for server in serve(settings):
        with server.client() as client:
            status = client.get(f"/api/v1/plans/{plan_id}").json()
            assert status["status"] == "succeeded"
            result = client.get(f"/api/v1/plans/{plan_id}/result").json()
            assert result["plan"]["total"] == total and result["recipes"] == ["Pancakes"]


def test_a_plan_interrupted_by_a_shutdown_resumes_at_the_next_start(tmp_path: Path) -> None:
    settings = service_settings(tmp_path / "data", max_concurrent_plans=1)
    for server in serve(settings):
        with server.client() as client:
            plan_ids = [submit(client) for _ in range(2)]  # the second waits its turn: queued at shutdown
    for server in serve(settings):
        with server.client() as client:
            ready = client.get("/health/ready")
            assert ready.status_code == 200
            assert sum(ready.json()["recovery"].values()) >= 1
            for plan_id in plan_ids:
                assert wait_for(client, plan_id)["status"] == "succeeded"


def test_bad_input_gets_field_messages_never_a_traceback(live_server: LiveServer) -> None:
    with live_server.client() as client:
        cases = [
            ({}, "texts"),
            ({"texts": ["   "]}, "give at least one recipe"),
            ({"texts": [RECIPE], "budget": -5}, "budget"),
            ({"texts": [RECIPE], "max_stores": 0}, "max_stores"),
            ({"texts": [RECIPE], "strategy": "fastest"}, "strategy"),
            ({"texts": [RECIPE], "urls": ["ftp://example.com/r"]}, "urls"),
            ({"texts": [RECIPE], "colour": "red"}, "colour"),
        ]
        for body, named in cases:
            response = client.post("/api/v1/plans", json=body)
            assert response.status_code == 422, (body, response.text)
            assert named in response.text
            assert "Traceback" not in response.text
        unknown = client.post("/api/v1/plans", json={"texts": [RECIPE], "stores": ["nowhere-mart"]})
        assert unknown.status_code == 400 and "nowhere-mart" in unknown.json()["detail"]
        assert client.get("/api/v1/plans/not-a-uuid").status_code == 422
        missing = client.get("/api/v1/plans/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404 and "no plan" in missing.json()["detail"]
        huge = client.post("/api/v1/plans", content=b"x" * 1_100_000, headers={"content-type": "application/json"})
        assert huge.status_code == 413 and "larger than" in huge.json()["detail"]


def test_a_recipe_url_on_a_private_address_is_not_fetched(live_server: LiveServer) -> None:
    with live_server.client() as client:
        response = client.post("/api/v1/plans", json={"urls": ["http://127.0.0.1:9/recipe"]})
        assert response.status_code == 202
        status = wait_for(client, response.json()["id"])
        assert status["status"] == "failed"
        assert "private or local address" in status["error"]
        result = client.get(f"/api/v1/plans/{response.json()['id']}/result")
        assert result.status_code == 409 and "failed" in result.json()["detail"]


def test_a_queued_plan_is_cancelled_at_once(tmp_path: Path) -> None:
    for server in serve(service_settings(tmp_path / "data", max_concurrent_plans=1)):
        with server.client() as client:
            first, second = submit(client), submit(client)
            cancelled = client.post(f"/api/v1/plans/{second}/cancel")
            assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
            assert wait_for(client, second)["status"] == "cancelled"
            assert wait_for(client, first)["status"] == "succeeded"
            again = client.post(f"/api/v1/plans/{second}/cancel")
            assert again.status_code == 409


def test_admin_endpoints_need_the_key_and_are_audited(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert client.post("/api/v1/admin/cache/clear", json={}).status_code == 401
        wrong = client.post("/api/v1/admin/cache/clear", json={}, headers={"X-API-Key": "guess"})
        assert wrong.status_code == 401
        plan_id = submit(client)
        wait_for(client, plan_id)
        keyed = {"X-API-Key": API_KEY}
        cleared = client.post("/api/v1/admin/cache/clear", json={}, headers=keyed)
        assert cleared.status_code == 200 and cleared.json()["details"]["dropped"] > 0
        warmed = client.post("/api/v1/admin/cache/warm", json={"top": 3}, headers=keyed).json()
        assert warmed["details"]["queries"] == 3 and warmed["details"]["asked"] > 0
        retried = client.post("/api/v1/admin/dlq/retry", json={}, headers=keyed)
        assert retried.status_code == 200 and retried.json()["outcome"] == "0 of 0 resolved"
        refused = client.post("/api/v1/admin/dlq/retry", json={"ids": [999]}, headers=keyed)
        assert refused.status_code == 400
        audit = client.get("/api/v1/admin/audit", headers=keyed).json()
        assert [a["action"] for a in audit] == ["dlq retry", "dlq retry", "cache warm", "cache clear"]
        assert audit[0]["outcome"].startswith("refused") and audit[0]["client"] == "127.0.0.1"
        assert API_KEY not in json.dumps(audit)


def test_admin_endpoints_are_closed_without_a_configured_key(tmp_path: Path) -> None:
    for server in serve(service_settings(tmp_path / "data", api_key=None)):
        with server.client() as client:
            response = client.post("/api/v1/admin/cache/clear", json={}, headers={"X-API-Key": "anything"})
            assert response.status_code == 403 and "no API key is configured" in response.json()["detail"]


def test_writes_can_require_the_key(tmp_path: Path) -> None:
    for server in serve(service_settings(tmp_path / "data", protect_writes=True)):
        with server.client() as client:
            assert client.post("/api/v1/plans", json={"texts": [RECIPE]}).status_code == 401
            keyed = client.post("/api/v1/plans", json={"texts": [RECIPE]}, headers={"X-API-Key": API_KEY})
            assert keyed.status_code == 202
            assert client.get("/api/v1/stores").status_code == 200  # reads stay open


def test_each_client_is_rate_limited(tmp_path: Path) -> None:
    for server in serve(service_settings(tmp_path / "data", rate_limit="5/minute")):
        with server.client() as client:
            codes = [client.get("/api/v1/stores").status_code for _ in range(7)]
            assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
            limited = client.get("/api/v1/stores")
            assert int(limited.headers["retry-after"]) >= 1 and "at most 5 per 1 minute" in limited.json()["detail"]
            assert client.get("/health").status_code == 200  # probes are never limited


def test_cors_is_off_unless_origins_are_configured(tmp_path: Path) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    for server in serve(service_settings(tmp_path / "off")):
        with server.client() as client:
            assert "access-control-allow-origin" not in client.options("/api/v1/plans", headers=preflight).headers
    for server in serve(service_settings(tmp_path / "on", cors_origins=["https://example.org"])):
        with server.client() as client:
            allowed = client.options("/api/v1/plans", headers=preflight)
            assert allowed.headers["access-control-allow-origin"] == "https://example.org"


def test_stores_products_and_price_history(live_server: LiveServer) -> None:
    with live_server.client() as client:
        stores = client.get("/api/v1/stores").json()
        assert len(stores) >= 3 and {"id", "name", "status", "breaker"} <= set(stores[0])
        found = client.get("/api/v1/products/search", params={"q": "milk"}).json()
        assert found["offers"] and not found["failures"]
        searched = {o["store_id"] for o in found["offers"]}
        assert len(searched) >= 3 and searched <= {s["id"] for s in stores}  # a flyer only stands in for its store
        first = found["offers"][0]
        history = client.get(f"/api/v1/products/{first['store_id']}/{first['sku']}/history").json()
        assert history["product"] == first["name"]
        assert history["observations"][-1]["price"] == first["price"]
        assert client.get("/api/v1/products/search", params={"q": "m"}).status_code == 422
        assert client.get("/api/v1/stores", params={"store_set": "nowhere"}).status_code == 400


def test_health_readiness_metrics_and_dashboard(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert client.get("/health").json() == {"status": "alive"}
        ready = client.get("/health/ready")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "recovery": "done"}
        for _ in range(2):  # the second plan finds the first's answers in the cache
            assert wait_for(client, submit(client))["status"] == "succeeded"
        metrics = client.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain")
        assert 'grocery_workflows_total{kind="plan",outcome="succeeded"} 2.0' in metrics.text
        board = client.get("/api/v1/dashboard").json()
        assert 0 <= board["health"]["score"] <= 100
        assert board["cache"]["hit_rate"] >= 0.4  # the second plan's searches, all from memory
        assert board["plans"]["recent"] == {"succeeded": 2}
        assert {s["breaker"] for s in board["stores"]} == {"closed"}
        assert any(f["samples"] >= 2 for f in board["sla"])


def test_a_share_of_plans_is_compared_with_a_second_strategy(tmp_path: Path) -> None:
    settings = service_settings(tmp_path / "data", ab_share=1.0, ab_strategy="cheapest")
    settings.features.ab_comparison = True
    for server in serve(settings):
        with server.client() as client:
            plan_id = submit(client, strategy="balanced")
            assert wait_for(client, plan_id)["status"] == "succeeded"
            comparison = client.get(f"/api/v1/plans/{plan_id}/result").json()["comparison"]
            assert comparison["strategy"] == "balanced" and comparison["other_strategy"] == "cheapest"
            assert Decimal(comparison["other_total"]) <= Decimal(comparison["total"])  # cheapest is never dearer
            [row] = client.get("/api/v1/dashboard").json()["strategies"]
            assert row["plans"] == 1 and Decimal(row["mean_saving"]) >= 0


def test_configuration_reloads_without_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "grocery-scanner.yaml"
    config.write_text("dlq_alert_threshold: 25\n")
    monkeypatch.setenv("GROCERY_CONFIG_FILE", str(config))
    monkeypatch.setenv("GROCERY_SERVICE__API_KEY", API_KEY)
    for server in serve(service_settings(tmp_path / "data")):
        with server.client() as client:
            assert wait_for(client, submit(client))["status"] == "succeeded"  # the demo set is running
            (tmp_path / "grocery-scanner.production.yaml").write_text("dlq_alert_threshold: 3\n")
            config.write_text("dlq_alert_threshold: 7\n")
            monkeypatch.setenv("GROCERY_ENVIRONMENT", "production")
            keyed = {"X-API-Key": API_KEY}
            reloaded = client.post("/api/v1/admin/config/reload", headers=keyed)
            assert reloaded.status_code == 200, reloaded.text
            assert reloaded.json()["details"] == {"environment": "production", "store_sets": ["demo"]}
            state = server.server.config.app.state.service  # type: ignore[attr-defined]
            assert state.settings.dlq_alert_threshold == 3  # the environment's file over the base one
            config.write_text("dlq_alert_threshold: [not a number\n")
            monkeypatch.setenv("GROCERY_ENVIRONMENT", "development")
            broken = client.post("/api/v1/admin/config/reload", headers=keyed)
            assert broken.status_code == 400 and "not readable YAML" in broken.json()["detail"]
            assert state.settings.dlq_alert_threshold == 3  # a bad file changes nothing
