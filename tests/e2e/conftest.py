"""The platform's parts as separate OS processes (`python -m ops.cli <part>`), on the session's real servers."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ops.servers import _die_with_parent, free_port, stop_process, wait_http_ok

Spawn = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def part_env(server_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**os.environ, **server_env, "DATA_DIR": str(tmp_path / "data"), "GATEWAY_PORT": str(free_port()),
            "HANDLER_QUEUE": f"q{uuid.uuid4().hex[:8]}", "COMMAND_TIMEOUT": "2", "COOKIE_SECURE": "false"}


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    started: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str], env: dict[str, str], log_name: str | None = None) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{log_name or argv[0]}-{len(started)}.log").open("ab")
        proc = subprocess.Popen([sys.executable, "-m", "ops.cli", *argv], env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_process(proc, timeout=5)


def wait_ready(base_url: str, timeout: float = 30.0) -> None:
    wait_http_ok(f"{base_url}/health/ready", timeout)
