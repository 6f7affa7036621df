"""`reward-ledger run`: servers and parts come up, a killed part is restarted, Ctrl-C leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

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
