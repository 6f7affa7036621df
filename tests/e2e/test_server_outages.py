"""A server outage is 503 + Retry-After, never 500, and the platform recovers by itself when the server is back:
each server (NATS, Valkey, the store) is killed with SIGKILL under running parts, then restarted on its own port and
data, as `reward-ledger run` does. A write acknowledged before the outage is readable after; a write answered 503
during it is stored at most once. Servers and parts of this module's own (a file-backed store, so data outlives a
restart), shared by its tests: each one ends with the platform whole again."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from commands.store.mongo import MongoEventStore
from ops.servers import Server, Servers, free_port, running, spawn_python, stop_process
from tests.e2e.conftest import wait_ready

pytestmark = pytest.mark.e2e
PASSWORD = "outage-pass-9"


@pytest.fixture(scope="module")
def own_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """One set for the module: each test restarts the server it killed (and `every_server_up` any left dead)."""
    with running(tmp_path_factory.mktemp("outage-servers")) as servers:
        yield servers


@pytest.fixture(scope="module")
def platform_url(own_servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("outage-platform")
    env = {**os.environ, **own_servers.urls(), "DATA_DIR": str(base / "data"), "GATEWAY_PORT": str(free_port()),
           "COMMAND_TIMEOUT": "2", "COOKIE_SECURE": "false", "LOGIN_MAX_FAILURES_ACCOUNT": "1000",
           "LOGIN_MAX_FAILURES_ADDRESS": "1000"}
    nats = own_servers.nats_credentials()
    parts = [spawn_python(["ops.cli", part], base / f"{part}.log", {**env, **nats.env_for(part)})
             for part in ("handlers", "projectors", "relay", "gateway")]  # each part as its own identity
    try:
        url = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        wait_ready(url, timeout=60)
        yield url
    finally:
        for part in parts:
            stop_process(part, timeout=5)


@pytest.fixture(autouse=True)
def every_server_up(own_servers: Servers) -> None:
    """A test that failed before restarting its server does not take the next one down with it."""
    for server in own_servers.all():
        if not server.alive():
            server.restart()


def server_named(servers: Servers, name: str) -> Server:
    return {s.name: s for s in servers.all()}[name]


async def registrations_of(mongo_url: str, email: str) -> int:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        events = await MongoEventStore(client["ledger"]).read_all(1, 10_000)
    finally:
        await client.close()
    return sum(1 for e in events if getattr(e.event, "email", None) == email)


async def until_ok(client: httpx.AsyncClient, email: str) -> httpx.Response:
    """Log in until it works, or 60 s have passed (then the last answer)."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        response = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code in (200, 503), response.text
        if response.status_code == 200 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.5)


@pytest.mark.parametrize("name", ["nats", "redis", "mongo"])
async def test_a_dead_server_is_503_with_retry_after_and_the_platform_recovers(own_servers, platform_url, name):
    before, during = f"before-{uuid.uuid4().hex[:8]}@example.com", f"during-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=platform_url, timeout=20) as client:
        assert (await client.post("/auth/users", json={"email": before, "password": PASSWORD})).status_code == 201
        token = (await until_ok(client, before)).json()["accessToken"]
        server = server_named(own_servers, name)
        server.process.kill()
        server.process.wait(10)

        login = await client.post("/auth/login", json={"email": before, "password": PASSWORD})
        register = await client.post("/auth/users", json={"email": during, "password": PASSWORD})
        assert login.status_code == 503, login.text
        assert login.headers["content-type"].startswith("application/problem+json")
        assert int(login.headers["retry-after"]) > 0
        assert register.status_code in (201, 503), register.text  # Valkey is not on the registration path
        listing = await client.get("/events", headers={"Authorization": f"Bearer {token}"})
        assert listing.status_code in ((200,) if name != "mongo" else (503,)), listing.text  # read models
        if name == "mongo":  # the gateway's reads give up on the store in about 2 s, not pymongo's default 30 s
            assert listing.elapsed.total_seconds() < 10 and "retry-after" in listing.headers

        await asyncio.to_thread(server.restart)
        assert (await until_ok(client, before)).status_code == 200  # acknowledged before: still there
        after = await client.post("/auth/users", json={"email": f"after-{uuid.uuid4().hex[:8]}@example.com",
                                                       "password": PASSWORD})
        assert after.status_code == 201, after.text
    stored = await registrations_of(own_servers.mongo.url, during)
    assert stored == (1 if register.status_code == 201 else stored) and stored <= 1
