"""Before a part started alone connects: is each server it needs listening? One TCP connect per address, so a part
started with the platform down says which server and which variable in a second or two, instead of its client's
30 s retry loop and a traceback. Under `run` this check is skipped: there the parts' clients retry through outages
while the supervisor restarts the servers (tests/e2e/test_server_outages.py)."""

from __future__ import annotations

import socket
import urllib.parse
from typing import Final

from base.settings import MissingServers, MongoSettings, NatsSettings, RedisSettings

#: Seconds one address may take to accept a connection.
CONNECT_TIMEOUT: Final = 1.5
DEFAULT_PORTS: Final = {"nats": 4222, "tls": 4222, "mongodb": 27017, "redis": 6379, "rediss": 6379}


class ServerDown(MissingServers):
    """A server a part needs does not accept connections."""


def redacted(url: str) -> str:
    """`url` without its password (URLs in messages and logs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def addresses(url: str) -> list[tuple[str, int]]:
    """The host:port pairs of a server URL: NATS and MongoDB URLs may list several (comma-separated)."""
    if url.startswith("mongodb+srv://"):
        return []  # resolved through DNS by the driver: nothing to probe here
    scheme, _, rest = url.partition("://")
    hosts = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    found = []
    for entry in filter(None, (h.strip().split("://")[-1] for h in hosts.split(","))):
        host, _, port = entry.rpartition(":") if entry.rpartition(":")[2].isdigit() else (entry, "", "")
        found.append((host.strip("[]") or "127.0.0.1", int(port) if port else DEFAULT_PORTS.get(scheme, 0)))
    return found


def listening(url: str) -> bool:
    """True when any of the URL's addresses accepts a TCP connection (or there is nothing to probe)."""
    targets = addresses(url)
    for host, port in targets:
        try:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
        except OSError:
            continue
        return True
    return not targets


def down(server: str, variable: str, url: str, why: str = "does not accept connections") -> ServerDown:
    """The one line every subcommand says when a server it needs is not there."""
    return ServerDown(f"{server} at {redacted(url)} {why}; start `reward-ledger run`, or set {variable}")


def check_store() -> None:
    """Raise ServerDown unless the event store listens (the CLIs that need only the store)."""
    if not listening(url := MongoSettings().url):
        raise down("the event store", "MONGO_URL", url)


def check_servers(redis: bool) -> None:
    """Raise ServerDown naming the first server that does not answer: NATS, the store, and Redis if `redis`."""
    needed = [("NATS", "NATS_URL", NatsSettings().url), ("the event store", "MONGO_URL", MongoSettings().url)]
    if redis:
        needed.append(("Redis", "REDIS_URL", RedisSettings().url))
    for server, variable, url in needed:
        if not listening(url):
            raise down(server, variable, url)
