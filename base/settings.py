"""Settings, one pydantic-settings class per concern, each field read from a documented environment variable and
validated when the class is built (`reward-ledger` builds them all at start, so a bad value is one line, exit 2).

Server URLs come from `NATS_URL`/`MONGO_URL`/`REDIS_URL` when set (compose, external servers); otherwise from
`DATA_DIR/run.json`, which `reward-ledger run` writes while it runs, so every subcommand started with the same
`DATA_DIR` reaches the same servers. `docs/configuration.md` is generated from these classes (`ops.config_docs`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class MissingServers(RuntimeError):
    """No server URLs: neither the *_URL variables nor a run.json from a running `reward-ledger run`."""


class StaleRunFile(MissingServers):
    """run.json names a `reward-ledger run` whose process is gone (killed without cleaning up)."""


def data_dir() -> Path:
    """`DATA_DIR`: where embedded servers keep data and where run.json and the signing keys live."""
    return DataSettings().data_dir.resolve()


def run_file() -> Path:
    return data_dir() / "run.json"


def demo_logins_file() -> Path:
    """Written by `seed-demo` into `run`'s DATA_DIR, read by `run`'s banner."""
    return data_dir() / "demo-logins.json"


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (and is not a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _server_url(name: str) -> str:
    if value := os.environ.get(name):
        return value
    path = run_file()
    if path.exists():
        info = json.loads(path.read_text())
        pid = info.get("pid")
        if isinstance(pid, int) and not pid_alive(pid):
            raise StaleRunFile(f"{path} is stale: the `reward-ledger run` that wrote it (pid {pid}) is gone; "
                               f"start `reward-ledger run` again, or set {name}")
        urls = info.get("servers", {})
        if name in urls:
            return str(urls[name])
    raise MissingServers(f"{name} is not set and {path} does not exist: start `reward-ledger run` first, "
                         f"or set {name}")


def _env(name: str, description: str, **kwargs: Any) -> Any:
    """A field read from environment variable `name` (matched case-insensitively), documented by `description`."""
    return Field(validation_alias=name, description=description, **kwargs)


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


Port = Annotated[int, Field(ge=1, le=65535)]
OptionalPort = Annotated[int, Field(ge=0, le=65535)]
Seconds = Annotated[float, Field(gt=0)]
Count = Annotated[int, Field(ge=1)]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)]
EventLoop = Annotated[Literal["UVLOOP", "ASYNCIO"], BeforeValidator(_upper)]


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, frozen=True, extra="ignore", populate_by_name=True,
                                      env_ignore_empty=True)


class NatsSettings(_Settings):
    url: str = _env("NATS_URL", "NATS server URL; default: the one `reward-ledger run` started (run.json).",
                    default_factory=lambda: _server_url("NATS_URL"))
    command_timeout: Seconds = _env("COMMAND_TIMEOUT", "Seconds the gateway waits for a command reply before 503.",
                                    default=5.0)
    queue: str = _env("HANDLER_QUEUE", "The NATS queue group command handlers share load in.", default="handlers")
    stream: str = _env("EVENT_STREAM", "The JetStream stream the relay publishes domain events to.",
                       default="REWARDS_EVENTS")
    user: str = _env("NATS_USER", "This part's NATS identity (docs/threat-model.md). Empty: the credentials in "
                     "NATS_URL (`nats://user:pass@host:4222`) if any, or, next to a running `run`, "
                     "DATA_DIR/nats-credentials.json.", default="")
    password: str = _env("NATS_PASSWORD", "The password of NATS_USER.", default="", repr=False)
    creds: str = _env("NATS_CREDS", "Path of a NATS .creds file (user JWT + NKey seed), for servers using "
                      "decentralized auth.", default="")
    inbox_prefix: str = _env("NATS_INBOX_PREFIX", "Subject prefix of this part's reply inboxes (default "
                             "`_INBOX.<identity>`); a part may subscribe only to its own.", default="")


class MongoSettings(_Settings):
    url: str = _env("MONGO_URL", "MongoDB URL of the event store; default: the one `reward-ledger run` started.",
                    default_factory=lambda: _server_url("MONGO_URL"))
    database: str = _env("MONGO_DB", "Database holding the event store, read models and checkpoints.",
                         default="ledger")


class RedisSettings(_Settings):
    url: str = _env("REDIS_URL", "Redis/Valkey URL (tokens, throttles, idempotency); default: run's own.",
                    default_factory=lambda: _server_url("REDIS_URL"))


class GatewaySettings(_Settings):
    host: str = _env("GATEWAY_HOST", "Address the HTTP gateway listens on.", default="127.0.0.1")
    port: Port = _env("GATEWAY_PORT", "Port the HTTP gateway listens on.", default=3333)
    max_body_bytes: Count = _env("MAX_BODY_BYTES", "Larger request bodies are refused with 413.", default=64 * 1024)
    read_wait_seconds: Seconds = _env("READ_WAIT_SECONDS", "How long `?minPosition=` waits for read models before "
                                      "503.", default=5.0)
    read_consistency_wait_seconds: Annotated[float, Field(ge=0)] = _env(
        "READ_CONSISTENCY_WAIT_SECONDS", "How long a GET waits for its read models to fold every write acknowledged "
        "before it (the newest store position the gateway knows of), then answers anyway with `Ledger-Lag`; "
        "`?consistency=eventual` skips the wait, 0 = never waits.", default=1.0)
    idempotency_ttl: Count = _env("IDEMPOTENCY_TTL_SECONDS", "How long a first answer is replayed for its "
                                  "Idempotency-Key.", default=24 * 3600)
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = _env(
        "TRUSTED_PROXIES", "Comma-separated addresses or networks of reverse proxies whose `X-Forwarded-For` names "
        "the client; default none: the TCP peer is the client and a forwarded header is ignored.", default=())

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return tuple(p.strip() for p in value.split(",") if p.strip()) if isinstance(value, str) else value


class ReplaySettings(_Settings):
    drop_grace: Annotated[float, Field(ge=0)] = _env(
        "REPLAY_DROP_GRACE_SECONDS", "How long a replaced read-model collection is kept after the switch (reads "
        "already routed to it finish), then dropped.", default=2.0)


class MetricsSettings(_Settings):
    port: OptionalPort = _env("METRICS_PORT", "Port for /metrics of handlers, relay and projectors; 0 = off.",
                              default=0)
    host: str = _env("METRICS_HOST", "Address /metrics listens on (0.0.0.0 in containers).", default="127.0.0.1")


class LayoutSettings(_Settings):
    """How many processes `reward-ledger run` starts. On a small machine fewer processes do more: one handler
    replica owns the store's tail (no position races between writers, one group commit), and the relay shares the
    projectors' process (docs/performance.md)."""

    handler_replicas: Count = _env("HANDLER_REPLICAS", "Command-handler processes `run` starts (one queue group).",
                                   default=1)
    relay_apart: bool = _env("RELAY_APART", "`run` starts the relay as its own process instead of inside the "
                             "projectors' process.", default=False)
    event_loop: EventLoop = _env("EVENT_LOOP", "Every part's event loop: uvloop (less CPU per message) or asyncio "
                                 "(Python's own).", default="UVLOOP")


class LogSettings(_Settings):
    level: LogLevel = _env("LOG_LEVEL", "Log level, any case: debug, info, warning, error, critical.",
                           default="INFO")


class DataSettings(_Settings):
    data_dir: Path = _env("DATA_DIR", "Embedded servers' data, run.json, signing keys and logs (mode 0700).",
                          default=Path("./.data"))


class AuthSettings(_Settings):
    issuer: str = _env("JWT_ISSUER", "The `iss` every access token carries and every verifier demands.",
                       default="reward-ledger")
    audience: str = _env("JWT_AUDIENCE", "The `aud` every access token carries and every verifier demands.",
                         default="reward-ledger-api")
    private_key_path: Path = _env(
        "JWT_PRIVATE_KEY_PATH", "Ed25519 signing key (PEM, PKCS#8); default DATA_DIR/keys/jwt-ed25519.pem, created "
        "on first run (0600). Gateways that accept each other's tokens share it.",
        default_factory=lambda: data_dir() / "keys" / "jwt-ed25519.pem")
    access_ttl: Count = _env("ACCESS_TOKEN_TTL_SECONDS", "Lifetime of an access token (cannot be revoked).",
                             default=900)
    refresh_ttl: Count = _env("REFRESH_TOKEN_TTL_SECONDS", "An unused session (refresh-token family) ends after "
                              "this long.", default=14 * 24 * 3600)
    cookie_secure: bool = _env("COOKIE_SECURE", "Send the refresh cookie with `Secure`; `false` only for plain-HTTP "
                               "local runs.", default=True)
    service_token: str = _env("SERVICE_TOKEN", "Shared secret for service-to-service calls; empty = none accepted.",
                              default="")
    max_failures_account: Count = _env(
        "LOGIN_MAX_FAILURES_ACCOUNT", "Failed logins on one email from all addresses per window after which each "
        "address's first failure there starts its back-off; slows guessing from many addresses, never refuses.",
        default=100)
    max_failures_address: Count = _env("LOGIN_MAX_FAILURES_ADDRESS", "Failed logins per window from one client "
                                       "address, across accounts, before 429.", default=20)
    free_failures: Count = _env("LOGIN_FREE_FAILURES", "Failed logins of one client address on one email before "
                                "its back-off starts.", default=5)
    backoff: Seconds = _env("LOGIN_BACKOFF_SECONDS", "After those, each further attempt of that client on that "
                            "email waits this long after the last, doubled per failure (429 + Retry-After).",
                            default=1.0)
    backoff_max: Seconds = _env("LOGIN_BACKOFF_MAX_SECONDS", "The longest such wait.", default=900.0)
    failure_window: Count = _env("LOGIN_FAILURE_WINDOW_SECONDS", "The window the per-address and per-account "
                                 "counts run over, from the first failure; a back-off is forgotten this long after "
                                 "its wait ends.", default=900)
    registrations_per_address: Annotated[int, Field(ge=0)] = _env(
        "REGISTRATION_MAX_PER_ADDRESS", "Registrations one client address may attempt per window before 429 + "
        "Retry-After; 0 turns the limit off (load tests).", default=10)
    registration_window: Count = _env("REGISTRATION_WINDOW_SECONDS", "The registration window (fixed, from its "
                                      "first attempt).", default=600)


#: Every settings class; `reward-ledger` validates them all at start and docs/configuration.md documents them.
ALL_SETTINGS: tuple[type[BaseSettings], ...] = (
    DataSettings, LogSettings, NatsSettings, MongoSettings, RedisSettings, GatewaySettings, ReplaySettings,
    MetricsSettings, AuthSettings, LayoutSettings)


def validate_environment() -> None:
    """Build every settings class once, so a bad variable fails at start (pydantic `ValidationError`), not on first
    use. Missing server URLs are left to the subcommands that need them."""
    for cls in ALL_SETTINGS:
        try:
            cls()
        except MissingServers:
            cls(url="")  # the other fields still count; the subcommand that needs the URL reports it


def settings_error_line(exc: ValidationError) -> str:
    """One line naming each bad variable, its value and what it accepts."""
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]).upper()
        problems.append(f"{name}={error.get('input')!r} is invalid: {error['msg']}")
    return "; ".join(problems)
