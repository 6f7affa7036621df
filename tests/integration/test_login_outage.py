"""An outage never counts against a user: logins during it answer 503 with Retry-After (not 500, not a failure),
and the right password works the moment the platform is back."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from base.nats_auth import GATEWAY, HANDLERS, NatsCredentials
from base.settings import GatewaySettings, NatsSettings
from ops.bootstrap import gateway_app, handlers
from ops.servers import free_port

pytestmark = pytest.mark.integration
ADDRESS, PASSWORD = "192.0.2.10", "correct-horse-9"


def client_of(app: Any, address: str = ADDRESS) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


@asynccontextmanager
async def gateway_client(nats: NatsSettings, address: str = ADDRESS) -> AsyncIterator[httpx.AsyncClient]:
    app = gateway_app(GatewaySettings(), nats)
    async with app.lifespan(), client_of(app, address) as client:
        yield client


@pytest.fixture
def login(server_env: dict[str, str], nats_credentials: NatsCredentials) -> Callable[[str], NatsSettings]:
    """The NATS settings of one identity on the session's server."""
    return lambda identity: nats_credentials.settings_for(identity, server_env["NATS_URL"])


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1


async def test_logins_and_registrations_while_no_handler_answers_do_not_count(login, mongo_db, monkeypatch):
    monkeypatch.setenv("HANDLER_QUEUE", f"q{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("COMMAND_TIMEOUT", "0.5")
    body = {"email": f"user-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    async with gateway_client(login(GATEWAY)) as client:
        async with handlers(login(HANDLERS)):
            assert (await client.post("/auth/users", json=body)).status_code == 201
        for _ in range(6):
            assert_unavailable(await client.post("/auth/login", json=body))
        other = {"email": f"other-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
        for _ in range(11):
            assert_unavailable(await client.post("/auth/users", json=other))
        async with handlers(login(HANDLERS)):
            assert (await client.post("/auth/login", json=body)).status_code == 200
            assert (await client.post("/auth/users", json=other)).status_code == 201


async def test_logins_after_the_gateway_lost_nats_are_503_and_do_not_count(login, mongo_db, monkeypatch):
    """Once nats-py gives up reconnecting, requests raise ConnectionClosedError: it was a 500 and counted as a
    failure (500 500 500 500 500 429)."""
    monkeypatch.setenv("HANDLER_QUEUE", f"q{uuid.uuid4().hex[:8]}")
    body = {"email": f"user-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    async with handlers(login(HANDLERS)):
        async with gateway_client(login(GATEWAY)) as client:
            assert (await client.post("/auth/users", json=body)).status_code == 201
        app, answers = gateway_app(GatewaySettings(), login(GATEWAY)), []
        with contextlib.suppress(Exception):  # its shutdown fails too: it drains the closed connection
            async with app.lifespan(), client_of(app) as client:
                await app.state.gateway.broker.connection.close()
                answers = [await client.post("/auth/login", json=body) for _ in range(6)]
        assert len(answers) == 6
        for answer in answers:
            assert_unavailable(answer)
        # a gateway that reaches NATS, same Redis and client address
        async with gateway_client(login(GATEWAY)) as client:
            assert (await client.post("/auth/login", json=body)).status_code == 200


async def test_logins_and_registrations_while_redis_is_down_are_503(login, mongo_db, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    body = {"email": "nobody@example.com", "password": PASSWORD}
    async with gateway_client(login(GATEWAY)) as client:
        assert_unavailable(await client.post("/auth/login", json=body))
        assert_unavailable(await client.post("/auth/users", json=body))
