"""`reward-ledger run`: servers and parts come up, a killed part is restarted, Ctrl-C leaves no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import time
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client as NatsClient

from ops.servers import free_port, spawn_python, stop_process
from tests.e2e.conftest import wait_ready

pytestmark = pytest.mark.e2e


def descendants(pid: int) -> dict[int, str]:
    """pid -> command line of every process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    cmdlines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdlines[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = cmdlines.get(child, "")
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def check_nats_credentials(data: Path, banner: str, user_id: str) -> None:
    """`run` kept every part's NATS password private (0600, not in run.json), printed where the game server's
    identity is, and that identity works end to end: an activity report is answered by the handlers, and the
    registration above reached the event feed through the relay."""
    credentials = data / "nats-credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "servers" / "nats" / "nats.conf").stat().st_mode) == 0o600
    passwords = json.loads(credentials.read_text())["users"].values()
    assert not any(p in (data / "run.json").read_text() for p in passwords)
    handoff = data / "nats-game-server.json"
    assert str(handoff) in banner and stat.S_IMODE(handoff.stat().st_mode) == 0o600
    game = json.loads(handoff.read_text())

    async def as_game_server() -> tuple[dict[str, object], list[str]]:
        nc = NatsClient()
        await nc.connect(game["url"], user=game["user"], password=game["password"], inbox_prefix=game["inboxPrefix"])
        try:
            report = {"id": "run-1", "userId": user_id, "kind": "login", "occurredAt": "2026-11-30T10:00:00Z"}
            reply = await nc.request("rewards.activity.login", json.dumps(report).encode(), timeout=10)
            feed = await nc.jetstream().pull_subscribe("rewards.evt.>", stream=game["eventStream"])
            messages = await feed.fetch(1, timeout=10)
            return json.loads(reply.data), [m.subject for m in messages]
        finally:
            await nc.close()

    reply, subjects = asyncio.run(as_game_server())
    assert reply["ok"] is True, reply
    assert subjects == ["rewards.evt.User.UserRegistered"]


def test_run_restarts_a_dead_part_and_ctrl_c_leaves_no_process(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "MONGO_URL", "REDIS_URL")}
    env.update({"DATA_DIR": str(tmp_path / "data"), "GATEWAY_PORT": str(port), "COOKIE_SECURE": "false"})
    run = spawn_python(["ops.cli", "run"], tmp_path / "run.log", env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", timeout=60)
        info = json.loads((tmp_path / "data" / "run.json").read_text())
        assert set(info["servers"]) == {"NATS_URL", "MONGO_URL", "REDIS_URL"}
        response = httpx.post(f"http://127.0.0.1:{port}/auth/users",
                              json={"email": "run@example.com", "password": "correct-horse-9"})
        assert response.status_code == 201
        check_nats_credentials(tmp_path / "data", (tmp_path / "run.log").read_text(), response.json()["id"])
        tree = descendants(run.pid)
        projector = next(pid for pid, cmd in tree.items() if "ops.cli projectors" in cmd)
        os.kill(projector, signal.SIGKILL)
        wait_for(lambda: any("ops.cli projectors" in cmd and pid != projector
                             for pid, cmd in descendants(run.pid).items() if alive(pid)))
        tree = descendants(run.pid)
        assert any("nats-server" in c for c in tree.values()) and any("nx-27017" in c for c in tree.values())
        run.send_signal(signal.SIGINT)
        assert run.wait(30) == 0
        wait_for(lambda: not any(alive(pid) for pid in tree), timeout=15)
        assert not (tmp_path / "data" / "run.json").exists()
    finally:
        stop_process(run)
    assert "restarting" in (tmp_path / "run.log").read_text()
