"""The unit tier runs in one process with no servers: a test that starts a process or asks for the session's
servers fails here, naming what belongs in tests/integration or tests/e2e instead."""

from __future__ import annotations

import _posixsubprocess
import os
import subprocess
from typing import Any

import pytest

SERVER_FIXTURES = {"servers", "server_env", "mongo_db", "nats_credentials", "platform"}


def pytest_runtest_setup(item: pytest.Item) -> None:
    needs = SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if needs:
        pytest.fail(f"unit tests start no servers ({', '.join(sorted(needs))}): move it to tests/integration")


@pytest.fixture(autouse=True)
def no_child_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """subprocess, asyncio subprocesses and multiprocessing all create children through these."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("unit tests start no processes: move this test to tests/integration or tests/e2e")

    monkeypatch.setattr(_posixsubprocess, "fork_exec", refuse)
    monkeypatch.setattr(subprocess, "_fork_exec", refuse)
    for name in ("fork", "posix_spawn", "posix_spawnp"):
        monkeypatch.setattr(os, name, refuse)
