"""The platform's parts as separate processes over a benchmark's own servers, as `reward-ledger run` starts them:
one place for the environment they share and for starting, waiting for and stopping them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from base.settings import LayoutSettings
from ops.servers import Servers, free_port, spawn_python, stop_process, wait_http_ok
from ops.supervisor import layout

#: A part: its `python -m` arguments, its NATS identity and the name of its log file.
Part = tuple[Sequence[str], str, str]


def run_parts(settings: LayoutSettings | None = None) -> list[Part]:
    """The parts `reward-ledger run` starts (ops/supervisor.py `layout`: HANDLER_REPLICAS, RELAY_APART)."""
    return [(["ops.cli", *argv], identity, f"{name}.log")
            for name, argv, identity in layout(settings or LayoutSettings())]


@dataclass(frozen=True)
class Running:
    url: str  # the gateway's
    database: str
    env: dict[str, str]  # what every part was started with (less its NATS identity)


@contextlib.contextmanager
def parts_running(servers: Servers, base: Path, parts: Sequence[Part], **env: str) -> Iterator[Running]:
    """Start `parts` (with `env` added to the shared environment), wait until the gateway is ready, stop them all on
    the way out. The database and the handlers' queue group are fresh for every call."""
    port, database = free_port(), f"b{uuid.uuid4().hex[:8]}"
    shared = {**os.environ, **servers.urls(), "GATEWAY_PORT": str(port), "LOG_LEVEL": "WARNING", "MONGO_DB": database,
              "HANDLER_QUEUE": f"q{uuid.uuid4().hex[:6]}", "DATA_DIR": str(base / "data"), **env}
    nats = servers.nats_credentials()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for argv, identity, log in parts:
            procs.append(spawn_python(list(argv), base / log, {**shared, **nats.env_for(identity)}))
        url = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{url}/health/ready")
        yield Running(url, database, shared)
    finally:
        for proc in procs:
            stop_process(proc)
