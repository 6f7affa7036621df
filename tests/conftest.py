"""Shared fixtures: one set of real servers per test session (the same launcher `reward-ledger run` uses), and a
fresh database per test so tests don't see each other's events.

`MONGO_URL` set when the session starts names the store to test against (a real MongoDB, say) instead of the
in-memory stand-in; tests marked `stand_in_differs` are `xfail(strict=True)` on the stand-in only."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from base.nats_auth import NatsCredentials
from ops.servers import Server, Servers, start_all, start_nats, start_valkey

EXTERNAL_MONGO_URL = os.environ.get("MONGO_URL") or None  # read once: tests set MONGO_URL for their own parts


class ExternalMongo(Server):
    """A store the session did not start: used as it is, never stopped or restarted by the tests."""

    def __init__(self, url: str) -> None:
        super().__init__("mongo", url, None, Path(os.devnull))  # type: ignore[arg-type]

    def alive(self) -> bool:
        return True

    def stop(self, timeout: float = 5.0) -> None:
        pass

    def restart(self, timeout: float = 30.0) -> None:
        raise RuntimeError(f"the session does not manage the MongoDB at {self.url}")


def store_is_stand_in() -> bool:
    """True unless MONGO_URL names a server other than nx-27017 (which answers buildInfo as `process: nx_27017`,
    where MongoDB reports its `gitVersion`)."""
    if EXTERNAL_MONGO_URL is None:
        return True
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, Any]] = MongoClient(EXTERNAL_MONGO_URL, serverSelectionTimeoutMS=5000)
    try:
        info = client.admin.command("buildInfo")
    except PyMongoError as exc:
        raise pytest.UsageError(f"MONGO_URL={EXTERNAL_MONGO_URL} does not answer: {exc}") from exc
    finally:
        client.close()
    return str(info.get("process", "")).startswith("nx") or "gitVersion" not in info


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`@pytest.mark.stand_in_differs("what")`: a strict xfail on the stand-in, an ordinary test on MongoDB."""
    marked = [(item, mark) for item in items if (mark := item.get_closest_marker("stand_in_differs"))]
    if marked and store_is_stand_in():
        for item, mark in marked:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"stand-in differs: {mark.args[0]}"))


def start_session_servers(data_dir: Path) -> Servers:
    """Every server embedded (the store in memory), or NATS and Valkey beside the MongoDB that MONGO_URL names."""
    if EXTERNAL_MONGO_URL is None:
        return start_all(data_dir, memory_store=True, nats_admin=True)
    nats = start_nats(data_dir / "nats", admin=True)
    try:
        redis = start_valkey(data_dir / "redis")
    except BaseException:
        nats.stop()
        raise
    return Servers(nats=nats, mongo=ExternalMongo(EXTERNAL_MONGO_URL), redis=redis)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = start_session_servers(tmp_path_factory.mktemp("servers"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def nats_credentials(servers: Servers) -> NatsCredentials:
    """Every NATS identity of the session's server (and `admin`, unrestricted, for clean-up): each in-process part
    and each test client connects as one of them, as under `reward-ledger run`."""
    return servers.nats_credentials()


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
