"""`reward-ledger run`: servers and parts come up, a killed part is restarted, Ctrl-C leaves no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client as NatsClient

from base.settings import pid_alive as alive
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


def start_run(tmp_path: Path, log_name: str = "run.log") -> tuple[subprocess.Popen[bytes], int]:
    """`reward-ledger run` on embedded servers under tmp_path/data; returns the process and its gateway port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "MONGO_URL", "REDIS_URL")}
    env.update({"DATA_DIR": str(tmp_path / "data"), "GATEWAY_PORT": str(port), "COOKIE_SECURE": "false",
                "LOGIN_MAX_FAILURES_ACCOUNT": "1000"})
    return spawn_python(["ops.cli", "run"], tmp_path / log_name, env), port


def private_files(root: Path) -> list[str]:
    """Paths under root whose mode lets anyone but the owner in (empty when all are private)."""
    loose = [str(root)] if root.stat().st_mode & 0o077 else []
    for path in root.rglob("*"):
        if not path.is_symlink() and path.stat().st_mode & 0o077:
            loose.append(f"{path} {oct(path.stat().st_mode & 0o777)}")
    return loose


def banner_when_printed(log: Path) -> str:
    """The banner `run` printed, read as soon as its first line appears in `log`."""
    wait_for(lambda: "Reward Ledger is up" in log.read_text(), timeout=60)
    return log.read_text().split("Reward Ledger is up", 1)[1]


def test_run_restarts_a_dead_part_and_ctrl_c_leaves_no_process(tmp_path):
    run, port = start_run(tmp_path)
    try:
        banner = banner_when_printed(tmp_path / "run.log")
        swagger = re.search(r"Swagger UI +(\S+)", banner)
        assert swagger and httpx.get(swagger[1]).status_code == 200  # the banner waited for the gateway
        info = json.loads((tmp_path / "data" / "run.json").read_text())
        base = f"http://127.0.0.1:{port}"
        for path in ("/console/", "/docs/openapi.json", "/docs/asyncapi", "/health/live", "/health/ready", "/metrics"):
            assert f"{base}{path}" in banner and httpx.get(f"{base}{path}").status_code == 200, path
        assert all(url in banner for url in info["metrics"].values()) and "reward-ledger admin create --email" in banner
        assert "reward-ledger seed-demo" in banner
        assert set(info["servers"]) == {"NATS_URL", "MONGO_URL", "REDIS_URL"}
        response = httpx.post(f"http://127.0.0.1:{port}/auth/users",
                              json={"email": "run@example.com", "password": "correct-horse-9"})
        assert response.status_code == 201
        check_nats_credentials(tmp_path / "data", (tmp_path / "run.log").read_text(), response.json()["id"])
        assert (tmp_path / "data" / "keys" / "jwt-ed25519.pem").exists()
        assert private_files(tmp_path / "data") == []  # DATA_DIR 0700; store, key, logs, run.json 0600
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
    restarts = [line for line in (tmp_path / "run.log").read_text().splitlines() if "restarting" in line]
    assert len(restarts) == 1 and "part projectors was killed by SIGKILL" in restarts[0], restarts  # said once


def test_one_run_per_data_dir_and_kill_9_of_run_leaves_no_process(tmp_path):
    run, port = start_run(tmp_path)
    try:
        wait_ready(f"http://127.0.0.1:{port}", timeout=60)
        second, _ = start_run(tmp_path, "second.log")
        assert second.wait(30) == 1
        refusal = (tmp_path / "second.log").read_text()
        assert f"pid {run.pid}" in refusal and "Traceback" not in refusal
        assert "nats-server" not in (tmp_path / "data" / "servers" / "nats" / "nats.log").read_text().split(
            "Server is ready")[-1]  # the second run started no NATS on the same JetStream directory

        tree = descendants(run.pid)
        assert sum("ops.cli" in cmd for cmd in tree.values()) == 3  # handlers, projectors with the relay, gateway
        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)
        wait_for(lambda: not [cmd for pid, cmd in tree.items() if alive(pid)], timeout=30)
    finally:
        stop_process(run)


def test_run_restarts_a_killed_server_on_its_own_port(tmp_path):
    run, port = start_run(tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, timeout=60)
        urls = json.loads((tmp_path / "data" / "run.json").read_text())["servers"]
        for i, binary in enumerate(("nats-server", "valkey-server", "nx-27017")):
            server = next(pid for pid, cmd in descendants(run.pid).items() if binary in cmd and alive(pid))
            os.kill(server, signal.SIGKILL)
            wait_for(lambda binary=binary, server=server: any(
                binary in cmd and pid != server and alive(pid) for pid, cmd in descendants(run.pid).items()))
            body = {"email": f"back{i}@example.com", "password": "correct-horse-9"}
            for route, done in (("/auth/users", (201, 409)), ("/auth/login", (200,))):  # a write, then a login
                wait_for(lambda route=route, done=done, body=body: httpx.post(
                    f"{base}{route}", json=body, timeout=10).status_code in done, timeout=60)
        assert json.loads((tmp_path / "data" / "run.json").read_text())["servers"] == urls  # the same addresses
    finally:
        stop_process(run)
    assert "restarting in" in (tmp_path / "run.log").read_text()
