"""Shared fixtures: one set of real servers per test session (the same launcher `reward-ledger run` uses), and a
fresh database per test so tests don't see each other's events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from base.nats_auth import ADMIN, IDENTITIES, NatsCredentials
from ops.servers import Servers, start_all


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = start_all(tmp_path_factory.mktemp("servers"), memory_store=True, nats_admin=True)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def nats_credentials(servers: Servers) -> NatsCredentials:
    """Every NATS identity of the session's server (and `admin`, unrestricted, for clean-up): each in-process part
    and each test client connects as one of them, as under `reward-ledger run`."""
    return NatsCredentials.load_or_create(Path(servers.nats.extra["credentials"]), (*IDENTITIES, ADMIN))


@pytest.fixture
def server_env(servers: Servers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Environment that points settings at the session's servers, with a database (and a JWT signing key) of this
    test's own."""
    env = {**servers.urls(), "MONGO_DB": f"t{uuid.uuid4().hex[:12]}",
           "JWT_PRIVATE_KEY_PATH": str(tmp_path / "keys" / "jwt-ed25519.pem")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
async def mongo_db(server_env: dict[str, str]) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server_env["MONGO_URL"], tz_aware=True)
    try:
        yield client[server_env["MONGO_DB"]]
        await client.drop_database(server_env["MONGO_DB"])
    finally:
        await client.close()
