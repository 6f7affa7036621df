"""`reward-ledger admin create` as a subprocess against the test servers, then that admin logs in over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "admin-pass-42"


async def admin_create(env: dict[str, str], email: str, password: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.cli", "admin", "create", "--email", email, "--password-stdin",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=ROOT, env=env)
    out, err = await asyncio.wait_for(process.communicate(f"{password}\n".encode()), 60)
    return process.returncode or 0, out.decode(), err.decode()


def cli_env(extra: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in {"NATS_URL", "MONGO_URL", "REDIS_URL", "MONGO_DB"}}
    return {**base, "LOG_LEVEL": "WARNING", **extra}


async def test_admin_created_by_the_cli_logs_in_and_manages_users(platform):
    code, out, err = await admin_create(cli_env(platform.env), "Root@Example.com", PASSWORD)
    assert code == 0, err
    created = json.loads(out)
    assert created["email"] == "root@example.com" and created["roles"] == ["ADMIN", "USER"]
    login = await platform.client.post("/auth/login", json={"email": "root@example.com", "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["roles"] == ["ADMIN", "USER"]
    headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    position = login.headers["Ledger-Position"]
    fetched = await platform.client.get(f"/auth/users/{created['id']}?minPosition={position}", headers=headers)
    assert fetched.status_code == 200 and fetched.json()["roles"] == ["ADMIN", "USER"]


async def test_cli_promotes_an_existing_user_and_keeps_its_password(platform):
    email = "player@example.com"
    registered = await platform.client.post("/auth/users", json={"email": email, "password": "player-pass-1"})
    code, out, err = await admin_create(cli_env(platform.env), email, "another-pass-2")
    assert code == 0, err
    assert json.loads(out)["id"] == registered.json()["id"] and "promoted" in err
    assert (await platform.client.post("/auth/login", json={"email": email, "password": "another-pass-2"})
            ).status_code == 401
    login = await platform.client.post("/auth/login", json={"email": email, "password": "player-pass-1"})
    assert login.json()["user"]["roles"] == ["ADMIN", "USER"]


async def test_cli_reaches_the_servers_of_a_running_platform_through_run_json(platform, tmp_path):
    urls = {k: platform.env[k] for k in ("NATS_URL", "MONGO_URL", "REDIS_URL")}
    (tmp_path / "run.json").write_text(json.dumps({"pid": os.getpid(), "servers": urls}))
    env = cli_env({"DATA_DIR": str(tmp_path), "MONGO_DB": platform.env["MONGO_DB"]})
    code, _, err = await admin_create(env, "ops@example.com", PASSWORD)
    assert code == 0, err
    login = await platform.client.post("/auth/login", json={"email": "ops@example.com", "password": PASSWORD})
    assert login.status_code == 200


async def test_cli_refuses_a_weak_password_and_missing_servers(platform, tmp_path):
    code, _, err = await admin_create(cli_env(platform.env), "weak@example.com", "short")
    assert code == 1 and "/password" in err
    code, _, err = await admin_create(cli_env({"DATA_DIR": str(tmp_path)}), "x@example.com", PASSWORD)
    assert code == 2 and "run.json" in err


async def test_admin_and_replay_say_in_one_line_when_the_store_cannot_be_reached() -> None:
    """Not a 30 s `ServerSelectionTimeoutError` dump: one line naming what is missing, exit 2."""
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        env = cli_env({"MONGO_URL": f"mongodb://127.0.0.1:{probe.getsockname()[1]}"})
    code, out, err = await admin_create(env, "root@example.com", PASSWORD)
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
    assert "the event store at mongodb://127.0.0.1:" in err and "does not accept connections" in err
    assert err.startswith("reward-ledger admin create:") and "set MONGO_URL" in err
    replay = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.cli", "replay", "--all", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT, env=env)
    _, err_bytes = await asyncio.wait_for(replay.communicate(), 60)
    assert replay.returncode == 2 and "does not accept connections" in err_bytes.decode(), err_bytes.decode()
    assert len(err_bytes.decode().strip().splitlines()) == 1
