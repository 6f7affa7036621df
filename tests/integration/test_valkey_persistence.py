"""Refresh sessions and idempotency keys live in Valkey: a restart of Valkey (same data dir, same port) must not log
everyone out nor let a retried write run twice. The test runs a Valkey of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from commands.store.mongo import MongoEventStore
from ops.servers import Server, start_valkey

pytestmark = pytest.mark.integration


@pytest.fixture
def own_valkey(server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[Server]]:
    """A Valkey for this test only (the list holds the running one; the test may replace it)."""
    servers = [start_valkey(tmp_path / "valkey")]
    monkeypatch.setenv("REDIS_URL", servers[0].url)
    server_env["REDIS_URL"] = servers[0].url
    try:
        yield servers
    finally:
        servers[-1].stop()


async def test_refresh_sessions_and_idempotency_keys_survive_a_valkey_restart(own_valkey, platform, auth, tmp_path):
    operator = await auth.user("OPERATOR")
    key = {"Idempotency-Key": f"reward-{uuid.uuid4()}"}
    body = {"name": "Five points", "points": 5}
    first = await platform.client.post("/rewards/point", json=body, headers=operator.headers | key)
    assert first.status_code == 201

    old = own_valkey[0]
    old.stop()  # SIGTERM: a clean shutdown, as a redeploy does
    own_valkey.append(start_valkey(tmp_path / "valkey", port=urlparse(old.url).port))
    # The pooled connections died with the old server (the first command on each fails: see the report); this
    # test is about the data, so start from fresh connections.
    await platform.app.state.gateway.redis.connection_pool.disconnect()

    retry = await platform.client.post("/rewards/point", json=body, headers=operator.headers | key)
    assert retry.status_code == 201, retry.text
    assert retry.headers.get("Idempotent-Replayed") == "true" and retry.json() == first.json()
    events = await MongoEventStore(platform.db).read_all(1)
    assert [e.type for e in events].count("RewardCreated") == 1
    refreshed = await platform.client.post("/auth/refresh",
                                           headers={"Cookie": f"refresh_token={operator.refresh_token}"})
    assert refreshed.status_code == 200, refreshed.text
