"""One correlation id, sent by a client, followed through `reward-ledger run`: the gateway's request line, the
handler's command line, the stored commit and the event feed's message header; every log line is one JSON object
with the common keys (docs/logging.md)."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient
from pymongo import MongoClient

from base.logging import HEAD
from base.settings import MongoSettings
from commands.store.audit import COMMITS
from ops.servers import stop_process
from tests.e2e.conftest import wait_ready
from tests.e2e.test_run_supervisor import start_run, wait_for

pytestmark = pytest.mark.e2e


def log_lines(logs: Path, part: str) -> list[dict[str, Any]]:
    """Every line of a part's log files (`handlers.log`, or `handlers-1.log`, ... when it runs replicas) as JSON."""
    return [json.loads(line) for path in sorted(logs.glob(f"{part}*.log"))
            for line in path.read_text().splitlines() if line.strip()]


def lines_of(logs: Path, part: str, correlation: str, msg: str) -> list[dict[str, Any]]:
    return [line for line in log_lines(logs, part) if line["correlationId"] == correlation and line["msg"] == msg]


def feed_headers(data: Path, correlation: str) -> list[str]:
    """The `X-Correlation-Id` headers of the feed's messages, read as the game server (its NATS identity)."""
    game = json.loads((data / "nats-game-server.json").read_text())

    async def read() -> list[str]:
        nc = NatsClient()
        await nc.connect(game["url"], user=game["user"], password=game["password"], inbox_prefix=game["inboxPrefix"])
        try:
            feed = await nc.jetstream().pull_subscribe("rewards.evt.User.>", stream=game["eventStream"])
            messages = await feed.fetch(10, timeout=10)
            return [(m.headers or {}).get("X-Correlation-Id", "") for m in messages]
        finally:
            await nc.close()

    return [h for h in asyncio.run(read()) if h == correlation]


def test_one_correlation_id_runs_from_the_request_to_the_handler_the_store_and_the_feed(tmp_path):
    run, port = start_run(tmp_path)
    data, logs = tmp_path / "data", tmp_path / "data" / "logs"
    base = f"http://127.0.0.1:{port}"
    register, me = f"register-{uuid.uuid4().hex}", f"me-{uuid.uuid4().hex}"
    try:
        wait_ready(base, timeout=60)
        credentials = {"email": "traced@example.com", "password": "correct-horse-9"}
        response = httpx.post(f"{base}/auth/users", json=credentials, headers={"X-Correlation-Id": register})
        assert response.status_code == 201 and response.headers["X-Correlation-Id"] == register
        user_id = response.json()["id"]
        token = httpx.post(f"{base}/auth/login", json=credentials).json()["accessToken"]
        assert httpx.get(f"{base}/auth/me", headers={"Authorization": f"Bearer {token}",
                                                     "X-Correlation-Id": me}).status_code == 200

        wait_for(lambda: lines_of(logs, "gateway", me, "request") and lines_of(logs, "handlers", register, "command"))
        [request] = lines_of(logs, "gateway", register, "request")
        assert request["level"] == "info" and request["service"] == "gateway"
        assert (request["method"], request["path_template"], request["status"]) == ("POST", "/auth/users", 201)
        assert request["userId"] is None and request["durationMs"] > 0  # anonymous: registration
        [signed_in] = lines_of(logs, "gateway", me, "request")
        assert (signed_in["path_template"], signed_in["status"], signed_in["userId"]) == ("/auth/me", 200, user_id)

        [command] = lines_of(logs, "handlers", register, "command")
        assert (command["command"], command["outcome"], command["streamId"]) == ("RegisterUser", "ok",
                                                                                   f"User-{user_id}")
        assert command["position"] >= 1 and command["commandId"] and command["service"] == "handlers"

        store = MongoSettings(url=json.loads((data / "run.json").read_text())["servers"]["MONGO_URL"])
        with MongoClient(store.url) as mongo:
            commit = mongo[store.database][COMMITS].find_one({"correlationId": register})
        assert commit is not None and commit["stream"] == command["streamId"]
        assert commit["causationId"] == command["commandId"] and commit["position"] <= command["position"]

        assert feed_headers(data, register) == [register]  # the relay published it under the same id

        for part in ("gateway", "handlers", "projectors"):
            lines = log_lines(logs, part)
            assert lines and all(list(line)[:len(HEAD)] == list(HEAD) for line in lines), part
        run.send_signal(signal.SIGINT)
        assert run.wait(30) == 0
    finally:
        stop_process(run)
