"""Settings, one dataclass per concern, each field read from a documented environment variable.

Server URLs come from `NATS_URL`/`MONGO_URL`/`REDIS_URL` when set (compose, external servers); otherwise from
`DATA_DIR/run.json`, which `reward-ledger run` writes while it runs, so every subcommand started with the same
`DATA_DIR` reaches the same servers.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


class MissingServers(RuntimeError):
    """No server URLs: neither the *_URL variables nor a run.json from a running `reward-ledger run`."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def data_dir() -> Path:
    """`DATA_DIR`: where embedded servers keep data and where run.json and the signing keys live."""
    return Path(_env("DATA_DIR", "./.data")).resolve()


def run_file() -> Path:
    return data_dir() / "run.json"


def _server_url(name: str) -> str:
    if value := os.environ.get(name):
        return value
    path = run_file()
    if path.exists():
        urls = json.loads(path.read_text()).get("servers", {})
        if name in urls:
            return str(urls[name])
    raise MissingServers(f"{name} is not set and {path} does not exist: start `reward-ledger run` first, "
                         "or set NATS_URL, MONGO_URL and REDIS_URL")


@dataclass(frozen=True)
class NatsSettings:
    url: str = field(default_factory=lambda: _server_url("NATS_URL"))
    #: `COMMAND_TIMEOUT`: seconds the gateway waits for a command reply before answering 503.
    command_timeout: float = field(default_factory=lambda: float(_env("COMMAND_TIMEOUT", "5")))
    #: `HANDLER_QUEUE`: the queue group command handlers share load in.
    queue: str = field(default_factory=lambda: _env("HANDLER_QUEUE", "handlers"))
    #: `EVENT_STREAM`: the JetStream stream the relay publishes domain events to.
    stream: str = field(default_factory=lambda: _env("EVENT_STREAM", "REWARDS_EVENTS"))
    #: `NATS_USER` / `NATS_PASSWORD`: this part's NATS identity (see docs/threat-model.md). Empty: the credentials
    #: in NATS_URL (`nats://user:pass@host:4222`) if any, or, next to a running `run`, DATA_DIR/nats-credentials.json.
    user: str = field(default_factory=lambda: _env("NATS_USER", ""))
    password: str = field(default_factory=lambda: _env("NATS_PASSWORD", ""), repr=False)
    #: `NATS_CREDS`: path of a NATS .creds file (user JWT + NKey seed), for servers using decentralized auth.
    creds: str = field(default_factory=lambda: _env("NATS_CREDS", ""))
    #: `NATS_INBOX_PREFIX`: subject prefix of this part's reply inboxes (default `_INBOX.<identity>`); a part may
    #: subscribe only to its own.
    inbox_prefix: str = field(default_factory=lambda: _env("NATS_INBOX_PREFIX", ""))


@dataclass(frozen=True)
class MongoSettings:
    url: str = field(default_factory=lambda: _server_url("MONGO_URL"))
    #: `MONGO_DB`: database holding the event store, read models and checkpoints.
    database: str = field(default_factory=lambda: _env("MONGO_DB", "ledger"))


@dataclass(frozen=True)
class RedisSettings:
    url: str = field(default_factory=lambda: _server_url("REDIS_URL"))


@dataclass(frozen=True)
class GatewaySettings:
    #: `GATEWAY_HOST` / `GATEWAY_PORT`: where the HTTP gateway listens.
    host: str = field(default_factory=lambda: _env("GATEWAY_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("GATEWAY_PORT", "3333")))
    #: `MAX_BODY_BYTES`: larger request bodies are refused with 413.
    max_body_bytes: int = field(default_factory=lambda: int(_env("MAX_BODY_BYTES", str(64 * 1024))))
    #: `READ_WAIT_SECONDS`: how long `?minPosition=` waits for the read models before 503.
    read_wait_seconds: float = field(default_factory=lambda: float(_env("READ_WAIT_SECONDS", "5")))
    #: `IDEMPOTENCY_TTL_SECONDS`: how long a stored first answer is replayed for its Idempotency-Key.
    idempotency_ttl: int = field(default_factory=lambda: int(_env("IDEMPOTENCY_TTL_SECONDS", str(24 * 3600))))
    #: `TRUSTED_PROXIES`: comma-separated addresses or networks of reverse proxies whose `X-Forwarded-For` names the
    #: client; default none: the TCP peer is the client, and a forwarded header is ignored.
    trusted_proxies: tuple[str, ...] = field(default_factory=lambda: tuple(
        p.strip() for p in _env("TRUSTED_PROXIES", "").split(",") if p.strip()))


@dataclass(frozen=True)
class ReplaySettings:
    #: `REPLAY_DROP_GRACE_SECONDS`: how long a replaced read-model collection is kept after the switch, so reads
    #: already routed to it (and gateway pointer caches, 0.5 s) finish; then it is dropped.
    drop_grace: float = field(default_factory=lambda: float(_env("REPLAY_DROP_GRACE_SECONDS", "2")))


@dataclass(frozen=True)
class MetricsSettings:
    #: `METRICS_PORT`: port for /metrics of the non-HTTP parts (handlers, relay, projectors); 0 = off.
    port: int = field(default_factory=lambda: int(_env("METRICS_PORT", "0")))
    #: `METRICS_HOST`: address that /metrics listens on (0.0.0.0 in containers).
    host: str = field(default_factory=lambda: _env("METRICS_HOST", "127.0.0.1"))


def _flag(name: str, default: bool) -> bool:
    return _env(name, "true" if default else "false").strip().lower() not in {"0", "false", "no", "off"}


@dataclass(frozen=True)
class AuthSettings:
    #: `JWT_ISSUER` / `JWT_AUDIENCE`: the `iss` and `aud` every access token carries and every verifier demands.
    issuer: str = field(default_factory=lambda: _env("JWT_ISSUER", "reward-ledger"))
    audience: str = field(default_factory=lambda: _env("JWT_AUDIENCE", "reward-ledger-api"))
    #: `JWT_PRIVATE_KEY_PATH`: Ed25519 signing key (PEM, PKCS#8); default DATA_DIR/keys/jwt-ed25519.pem, created on
    #: first run. Gateways that must accept each other's tokens share this file.
    private_key_path: Path = field(default_factory=lambda: Path(
        _env("JWT_PRIVATE_KEY_PATH", "") or data_dir() / "keys" / "jwt-ed25519.pem"))
    #: `ACCESS_TOKEN_TTL_SECONDS`: lifetime of an access token; short, as it cannot be revoked.
    access_ttl: int = field(default_factory=lambda: int(_env("ACCESS_TOKEN_TTL_SECONDS", "900")))
    #: `REFRESH_TOKEN_TTL_SECONDS`: an unused session (refresh-token family) ends after this long.
    refresh_ttl: int = field(default_factory=lambda: int(_env("REFRESH_TOKEN_TTL_SECONDS", str(14 * 24 * 3600))))
    #: `COOKIE_SECURE`: send the refresh cookie with `Secure`; `false` only for plain-HTTP local runs.
    cookie_secure: bool = field(default_factory=lambda: _flag("COOKIE_SECURE", True))
    #: `SERVICE_TOKEN`: shared secret for service-to-service calls (game servers); empty = none accepted.
    service_token: str = field(default_factory=lambda: _env("SERVICE_TOKEN", ""))
    #: `LOGIN_MAX_FAILURES_ACCOUNT`: failed logins on one email from all addresses per window after which each
    #: address's first failure there starts its back-off; it slows guessing from many addresses, never refuses.
    max_failures_account: int = field(default_factory=lambda: int(_env("LOGIN_MAX_FAILURES_ACCOUNT", "100")))
    #: `LOGIN_MAX_FAILURES_ADDRESS`: failed logins per window from one client address, across accounts, before 429.
    max_failures_address: int = field(default_factory=lambda: int(_env("LOGIN_MAX_FAILURES_ADDRESS", "20")))
    #: `LOGIN_FREE_FAILURES`: failed logins of one client address on one email before its back-off starts.
    free_failures: int = field(default_factory=lambda: int(_env("LOGIN_FREE_FAILURES", "5")))
    #: `LOGIN_BACKOFF_SECONDS` / `LOGIN_BACKOFF_MAX_SECONDS`: after those, each further attempt of that client on that
    #: email waits this long after the last, doubled per failure, at most the maximum (429 + Retry-After meanwhile).
    backoff: float = field(default_factory=lambda: float(_env("LOGIN_BACKOFF_SECONDS", "1")))
    backoff_max: float = field(default_factory=lambda: float(_env("LOGIN_BACKOFF_MAX_SECONDS", "900")))
    #: `LOGIN_FAILURE_WINDOW_SECONDS`: the window the per-address and per-account counts run over, from the first
    #: failure; a client's back-off on an email is forgotten this long after its wait ends.
    failure_window: int = field(default_factory=lambda: int(_env("LOGIN_FAILURE_WINDOW_SECONDS", "900")))
    #: `REGISTRATION_MAX_PER_ADDRESS` / `REGISTRATION_WINDOW_SECONDS`: registrations one client address may attempt
    #: per window (fixed, from its first) before 429 + Retry-After; 0 turns the limit off (load tests).
    registrations_per_address: int = field(default_factory=lambda: int(_env("REGISTRATION_MAX_PER_ADDRESS", "10")))
    registration_window: int = field(default_factory=lambda: int(_env("REGISTRATION_WINDOW_SECONDS", "600")))
