"""`reward-ledger run`: start the embedded servers (unless *_URL name external ones), then every part as its own
process; restart a part or a server that dies (with back-off, logged; a server on its own ports and data); on
Ctrl-C/SIGTERM stop parts, then servers. `DATA_DIR/run.lock` is held for the whole run: one `run` per DATA_DIR."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from base.nats_auth import (
    CREDENTIALS_FILE,
    GAME_SERVER_FILE,
    GATEWAY,
    HANDLERS,
    PROJECTORS,
    RELAY,
    NatsCredentials,
    event_stream_name,
)
from base.settings import GatewaySettings, LayoutSettings, data_dir, run_file
from ops.banner import READY_PATIENCE, banner, links, local_url, ready
from ops.servers import Server, ServerStartError, free_port, spawn_python, start_servers
from ops.servers import stop_process as stop_child

MAX_BACKOFF = 10.0
#: A server named by one of these is external (used as it is); the others are embedded, started and watched.
SERVER_URLS = ("NATS_URL", "MONGO_URL", "REDIS_URL")


def layout(settings: LayoutSettings) -> list[tuple[str, list[str], str]]:
    """The parts `run` starts: (name, argv after `reward-ledger`, NATS identity). By default one handler replica and
    the relay inside the projectors' process (docs/performance.md: on two cores fewer processes serve more);
    HANDLER_REPLICAS and RELAY_APART spread them out, as compose does."""
    replicas = settings.handler_replicas
    parts = [(f"handlers-{n}" if replicas > 1 else "handlers", ["handlers"], HANDLERS) for n in range(1, replicas + 1)]
    if settings.relay_apart:
        parts += [("projectors", ["projectors"], PROJECTORS), ("relay", ["relay"], RELAY)]
    else:
        parts.append(("projectors", ["projectors", "--relay"], RELAY))
    return [*parts, ("gateway", ["gateway"], GATEWAY)]


def said(line: str) -> None:
    """The supervisor's one channel: human lines on its stderr, the operator's terminal. Each is said once; the
    parts' JSON lines go to their own files (DATA_DIR/logs), never to this terminal."""
    print(line, file=sys.stderr, flush=True)


def _ended(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
    return f"exited with {code}"


@dataclass
class Backoff:
    """When to restart a dead process: after 0.5 s, doubling per quick death up to MAX_BACKOFF; a process that
    stayed up over 30 s starts again from 0.5 s. Parts and servers are restarted alike."""

    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default_factory=time.monotonic)

    def due(self, what: str, code: int | None, now: float, hint: str = "") -> bool:
        """Ask while the process is dead: the first time schedules the restart (and says so), then True once due."""
        if self.next_start == 0.0:
            self.restarts = 0 if now - self.started_at > 30 else self.restarts + 1
            delay = min(MAX_BACKOFF, 0.5 * 2 ** self.restarts)
            self.next_start = now + delay
            said(f"{what} {_ended(code)}; restarting in {delay:.1f}s{hint}")
            return False
        if now < self.next_start:
            return False
        self.next_start, self.started_at = 0.0, now
        return True


@dataclass
class Part:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    backoff: Backoff = field(default_factory=Backoff)

    def start(self) -> None:
        self.process = spawn_python(["ops.cli", *self.argv], self.log_path, self.env)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class _Watched:
    """An embedded server under supervision: restarted with back-off, like a part."""

    server: Server
    backoff: Backoff = field(default_factory=Backoff)


def _watch_servers(watched: list[_Watched]) -> None:
    """Restart a dead server on its own ports and data dir, so every part reconnects to the URL it has."""
    now = time.monotonic()
    for entry in watched:
        server = entry.server
        if server.alive():
            continue
        if entry.backoff.due(f"server {server.name}", server.process.returncode, now):
            try:
                server.restart()
            except ServerStartError as exc:
                said(f"server {server.name} did not come back: {exc}")
                continue
            said(f"server {server.name} is back on {server.url}")


def _lock_data_dir(base: Path) -> IO[str] | None:
    """Hold `DATA_DIR/run.lock` for the life of `run` (the kernel drops it when the process dies, even by SIGKILL),
    so a second `run` on the same directory is refused before it starts any server. None when another holds it."""
    handle = (base / "run.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        print(f"reward-ledger run: {base} is in use by another `reward-ledger run` (pid {holder}); stop it, or set "
              "DATA_DIR to another directory", file=sys.stderr)
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _make_private(base: Path) -> None:
    """DATA_DIR 0700 and everything already in it owner-only (data of earlier runs was written 0644); new files
    are private through the umask `reward-ledger` sets, which servers and parts inherit."""
    base.chmod(0o700)
    for root, dirs, files in os.walk(base):
        for name in dirs:
            Path(root, name).chmod(0o700)
        for name in files:
            with contextlib.suppress(OSError):
                Path(root, name).chmod(0o600)


def run_platform() -> int:
    base = data_dir()
    base.mkdir(parents=True, exist_ok=True)
    lock = _lock_data_dir(base)
    if lock is None:
        return 1
    with lock:
        _make_private(base)
        return _run_locked(base)


def _run_locked(base: Path) -> int:
    gateway = GatewaySettings()
    if not _port_free(gateway.host, gateway.port):
        print(f"reward-ledger run: port {gateway.port} on {gateway.host} is taken; set GATEWAY_PORT to a free one",
              file=sys.stderr)
        return 1
    # Embedded NATS: every part's password, created once and kept (0600); each part is handed only its own.
    nats_credentials = None if os.environ.get("NATS_URL") else NatsCredentials.load_or_create(base / CREDENTIALS_FILE)
    try:
        external = {name: os.environ[name] for name in SERVER_URLS if os.environ.get(name)}
        urls, started = start_servers(base / "servers", external=external, nats_credentials=nats_credentials,
                                      stream=event_stream_name())
    except ServerStartError as exc:
        print(f"reward-ledger run: {exc}", file=sys.stderr)
        return 1
    logs = base / "logs"
    logs.mkdir(exist_ok=True)
    parts = []
    for name, argv, identity in layout(LayoutSettings()):
        metrics = free_port() if name != "gateway" else 0
        env = {**os.environ, **urls, "METRICS_PORT": str(metrics), "DATA_DIR": str(base), "PART_NAME": name,
               **(nats_credentials.env_for(identity) if nats_credentials else {})}
        parts.append(Part(name, argv, env, logs / f"{name}.log"))
    gateway_url = local_url(gateway.host, gateway.port)
    part_metrics = {p.name: f"http://127.0.0.1:{p.env['METRICS_PORT']}/metrics" for p in parts if p.name != "gateway"}
    found = links(gateway_url, part_metrics)
    run_file().write_text(json.dumps({
        "pid": os.getpid(), "servers": urls, "gateway": f"http://{gateway.host}:{gateway.port}",
        "metrics": part_metrics, "links": found,
    }, indent=2))
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for part in parts:
        part.start()
    game_server = None
    if nats_credentials:
        game_server = base / GAME_SERVER_FILE
        nats_credentials.write_game_server_file(game_server, urls["NATS_URL"], event_stream_name())
    said(f"Reward Ledger is starting: servers up, waiting for the gateway at {gateway_url} (logs in {logs})")
    watched = [_Watched(server) for server in started]
    announced, patience = False, time.monotonic() + READY_PATIENCE
    try:
        while not stopping:
            _watch_servers(watched)
            _watch(parts)
            if not announced and ready(gateway_url):
                announced = True
                print("\n".join(banner(gateway_url, found, urls, logs, base, game_server)), flush=True)
            elif not announced and patience and time.monotonic() > patience:
                patience = 0.0
                said(f"the gateway is not ready after {READY_PATIENCE:.0f}s; see {logs / 'gateway.log'} "
                     "(still waiting)")
            time.sleep(0.2)
    finally:
        for part in parts:
            if part.process:
                part.process.send_signal(signal.SIGTERM)
        for part in parts:
            if part.process:
                stop_child(part.process, timeout=10)
        for server in started:
            server.stop()
        run_file().unlink(missing_ok=True)
        print("Reward Ledger stopped.", flush=True)
    return 0


def _watch(parts: list[Part]) -> None:
    now = time.monotonic()
    for part in parts:
        if part.process is None or part.process.poll() is None:
            continue
        if part.backoff.due(f"part {part.name}", part.process.returncode, now, f" (log: {part.log_path})"):
            part.start()

