"""What a client sees when a part of the platform is missing: a 503 problem with Retry-After, never a hang."""

from __future__ import annotations

import httpx
import pytest

from base.nats_auth import GATEWAY
from base.settings import GatewaySettings
from ops.bootstrap import gateway_app
from ops.servers import free_port

pytestmark = pytest.mark.integration


async def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


async def test_command_without_any_handler_is_a_503_problem(server_env, monkeypatch, nats_credentials):
    monkeypatch.setenv("HANDLER_QUEUE", "nobody-listens")
    monkeypatch.setenv("COMMAND_TIMEOUT", "0.5")
    app = gateway_app(GatewaySettings(), nats_credentials.settings_for(GATEWAY, server_env["NATS_URL"]))
    async with app.lifespan(), await _client(app) as client:
        response = await client.post("/auth/users", json={"email": "a@example.com", "password": "correct-horse-9"})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "1"


async def test_ready_is_503_when_redis_is_down(server_env, monkeypatch, nats_credentials):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    app = gateway_app(GatewaySettings(), nats_credentials.settings_for(GATEWAY, server_env["NATS_URL"]))
    async with app.lifespan(), await _client(app) as client:
        response = await client.get("/health/ready")
        live = await client.get("/health/live")
        metrics = (await client.get("/metrics")).text
    assert response.status_code == 503
    assert response.json()["checks"] == {"nats": "ok", "store": "ok", "redis": "down"}
    assert live.status_code == 200
    # the alert's series (LedgerDependencyDown) says the same at each scrape
    for dependency, up in (("nats", 1), ("store", 1), ("redis", 0)):
        assert f'ledger_dependency_up{{dependency="{dependency}"}} {up}.0' in metrics


async def test_read_your_writes_beyond_the_store_head_is_a_503_problem(platform, auth, monkeypatch):
    headers = await auth.headers("OPERATOR")
    state = platform.app.state.gateway
    monkeypatch.setattr(state.read_models, "wait_seconds", 0.3)
    response = await platform.client.get("/events?minPosition=1000000", headers=headers)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "1"
    assert "1000000" in response.json()["detail"]
