"""The platform's parts as separate OS processes (`python -m ops.cli <part>`), on the session's real servers."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from base.nats_auth import IDENTITIES, NatsCredentials
from ops.servers import free_port, spawn_python, stop_process, wait_http_ok

Spawn = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def part_env(server_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """One environment for every part; `spawn` adds each part's own NATS identity, as `run` does."""
    return {**os.environ, **server_env, "DATA_DIR": str(tmp_path / "data"), "GATEWAY_PORT": str(free_port()),
            "HANDLER_QUEUE": f"q{uuid.uuid4().hex[:8]}", "COMMAND_TIMEOUT": "2", "COOKIE_SECURE": "false"}


@pytest.fixture
def spawn(tmp_path: Path, nats_credentials: NatsCredentials) -> Iterator[Spawn]:
    started: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str], env: dict[str, str], log_name: str | None = None) -> subprocess.Popen[bytes]:
        if argv[0] in IDENTITIES and "NATS_USER" not in env:  # a test on servers of its own brings their logins
            env = {**env, **nats_credentials.env_for(argv[0])}
        proc = spawn_python(["ops.cli", *argv], tmp_path / f"{log_name or argv[0]}-{len(started)}.log", env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_process(proc, timeout=5)


def wait_ready(base_url: str, timeout: float = 30.0) -> None:
    wait_http_ok(f"{base_url}/health/ready", timeout)
