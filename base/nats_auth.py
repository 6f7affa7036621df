"""NATS identities: who on the bus may publish and subscribe to what, the credentials `reward-ledger run` keeps
under DATA_DIR, and the server config generated from both (embedded NATS; `ops/nats/nats.conf` for compose).

Each part connects as its own user, so a leaked or compromised part can do only what that part needs: only the
gateway sends commands, only handlers receive them, only the relay publishes events, and a game server may report
activities and read the event feed. Replies travel to per-identity inboxes (`_INBOX.<identity>.>`), so no identity
can read another's replies; responders answer through `allow_responses` rather than a publish grant on inboxes.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlsplit

from base.settings import NatsSettings, data_dir
from base.subjects import ACTIVITY_PREFIX, APPENDED, COMMAND_PREFIX, COMMITTED, EVENT_PREFIX

GATEWAY, HANDLERS, RELAY, PROJECTORS, GAME_SERVER = "gateway", "handlers", "relay", "projectors", "game-server"
IDENTITIES = (GATEWAY, HANDLERS, RELAY, PROJECTORS, GAME_SERVER)
#: Unrestricted; only test servers are started with it (stream clean-up, relay tests on other streams).
ADMIN = "admin"
#: Under DATA_DIR: every identity's password (0600); `run` creates it once and keeps it across restarts.
CREDENTIALS_FILE = "nats-credentials.json"
#: Under DATA_DIR: the game-server identity alone, to hand to a game server's operator.
GAME_SERVER_FILE = "nats-game-server.json"


class NatsLogin(TypedDict):
    """Keyword arguments for `nats.aio.client.Client.connect` as one identity."""

    user: str
    password: str
    inbox_prefix: str


def event_stream_name() -> str:
    """EVENT_STREAM, readable before any server URL is known (the permissions name the stream)."""
    return NatsSettings(url="").stream


def inbox_prefix(identity: str) -> str:
    return f"_INBOX.{identity}"


def _event_feed_api(stream: str) -> list[str]:
    """The JetStream API subjects a client needs to read `stream` through its own (pull or push) consumer."""
    api = "$JS.API"
    return [f"{api}.INFO", f"{api}.STREAM.NAMES", f"{api}.STREAM.INFO.{stream}",
            f"{api}.CONSUMER.CREATE.{stream}", f"{api}.CONSUMER.CREATE.{stream}.>",
            f"{api}.CONSUMER.DURABLE.CREATE.{stream}.>", f"{api}.CONSUMER.INFO.{stream}.>",
            f"{api}.CONSUMER.DELETE.{stream}.>", f"{api}.CONSUMER.MSG.NEXT.{stream}.>",
            f"{api}.CONSUMER.NAMES.{stream}", f"{api}.CONSUMER.LIST.{stream}", f"$JS.ACK.{stream}.>"]


def permissions(identity: str, stream: str) -> dict[str, Any]:
    """NATS permissions of one identity; `stream` is the JetStream stream of domain events (EVENT_STREAM)."""
    inbox = f"{inbox_prefix(identity)}.>"
    nothing = {"deny": [">"]}
    table: dict[str, dict[str, Any]] = {
        GATEWAY: {"publish": {"allow": [f"{COMMAND_PREFIX}.>"]}, "subscribe": {"allow": [APPENDED, inbox]}},
        HANDLERS: {"publish": {"allow": [APPENDED, COMMITTED]}, "allow_responses": True,
                   "subscribe": {"allow": [f"{COMMAND_PREFIX}.>", f"{ACTIVITY_PREFIX}.>", COMMITTED, inbox]}},
        RELAY: {"publish": {"allow": [f"{EVENT_PREFIX}.>", "$JS.API.INFO", f"$JS.API.STREAM.INFO.{stream}",
                                      f"$JS.API.STREAM.CREATE.{stream}", f"$JS.API.STREAM.UPDATE.{stream}"]},
                "subscribe": {"allow": [APPENDED, inbox]}},
        PROJECTORS: {"publish": nothing, "subscribe": {"allow": [APPENDED, inbox]}},
        GAME_SERVER: {"publish": {"allow": [f"{ACTIVITY_PREFIX}.>", *_event_feed_api(stream)]},
                      "subscribe": {"allow": [inbox]}},
    }
    return table[identity]


def render_config(passwords: dict[str, str], stream: str, variables: bool = False) -> str:
    """The `authorization` block of a nats-server config (JSON is valid NATS config). With `variables`, each
    password is written as a `$NATS_<IDENTITY>_PASSWORD` reference that nats-server resolves from its environment
    (compose), instead of the password itself."""
    users = []
    for identity, password in passwords.items():
        user: dict[str, Any] = {"user": identity, "password": password_variable(identity) if variables else password}
        if identity != ADMIN:
            user["permissions"] = permissions(identity, stream)
        users.append(user)
    text = json.dumps({"authorization": {"users": users}}, indent=2) + "\n"
    if variables:
        for identity in passwords:
            text = text.replace(json.dumps(password_variable(identity)), password_variable(identity))
    return text


def password_variable(identity: str) -> str:
    return "$NATS_" + identity.upper().replace("-", "_") + "_PASSWORD"


def write_private(path: Path, text: str, exclusive: bool = False) -> None:
    """Write `text` to `path` readable by its owner only (0600 from creation: never briefly world-readable).
    `exclusive`: only if `path` does not exist yet (FileExistsError otherwise), so racing creators agree."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    if not exclusive:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    finally:
        tmp.unlink()


@dataclass(frozen=True)
class NatsCredentials:
    """Every identity's password, kept in a 0600 JSON file."""

    path: Path
    passwords: dict[str, str]

    @classmethod
    def read(cls, path: Path) -> NatsCredentials:
        return cls(path, {str(k): str(v) for k, v in json.loads(path.read_text())["users"].items()})

    @classmethod
    def load_or_create(cls, path: Path, identities: tuple[str, ...] = IDENTITIES) -> NatsCredentials:
        """Read `path`, adding a random password for any identity it lacks; a new file is created 0600."""
        path.parent.mkdir(parents=True, exist_ok=True)
        new = {i: secrets.token_urlsafe(24) for i in identities}
        with contextlib.suppress(FileExistsError):
            write_private(path, json.dumps({"users": new}, indent=2) + "\n", exclusive=True)
        passwords = cls.read(path).passwords
        if missing := [i for i in identities if i not in passwords]:
            passwords |= {i: new[i] for i in missing}
            write_private(path, json.dumps({"users": passwords}, indent=2) + "\n")
        path.chmod(0o600)
        return cls(path, {i: passwords[i] for i in identities})

    def connect_kwargs(self, identity: str) -> NatsLogin:
        """Keyword arguments for `nats.aio.client.Client.connect` (a game server's, or a test's client)."""
        return {"user": identity, "password": self.passwords[identity], "inbox_prefix": inbox_prefix(identity)}

    def settings_for(self, identity: str, url: str) -> NatsSettings:
        return NatsSettings(url=url, user=identity, password=self.passwords[identity],
                            inbox_prefix=inbox_prefix(identity))

    def env_for(self, identity: str) -> dict[str, str]:
        """What `run` puts in one part's environment: that part's identity, nothing else."""
        return {"NATS_USER": identity, "NATS_PASSWORD": self.passwords[identity]}

    def write_game_server_file(self, path: Path, url: str, stream: str) -> None:
        """The game-server identity alone, with what a game server needs to use it."""
        write_private(path, json.dumps({
            "url": url, "user": GAME_SERVER, "password": self.passwords[GAME_SERVER],
            "inboxPrefix": inbox_prefix(GAME_SERVER), "publish": f"{ACTIVITY_PREFIX}.<kind>",
            "eventStream": stream}, indent=2) + "\n")


def identity_settings(identity: str) -> NatsSettings:
    """The NATS settings of one part: NATS_USER/NATS_PASSWORD, NATS_CREDS or the URL's own credentials when given
    (compose, external servers); otherwise, next to a running `run` (no NATS_URL), this identity's password from
    DATA_DIR's credentials file. Replies go to this identity's inbox prefix unless NATS_INBOX_PREFIX says otherwise."""
    settings = NatsSettings()
    prefix = settings.inbox_prefix or inbox_prefix(identity)
    explicit = settings.user or settings.creds or urlsplit(settings.url).username
    path = data_dir() / CREDENTIALS_FILE
    if not explicit and "NATS_URL" not in os.environ and path.exists():
        password = NatsCredentials.read(path).passwords[identity]
        return NatsSettings(url=settings.url, user=identity, password=password, inbox_prefix=prefix)
    return NatsSettings(url=settings.url, inbox_prefix=prefix)


def compose_config() -> str:
    """`ops/nats/nats.conf`, the NATS config of compose (tests/unit/test_compose.py keeps the file equal to this)."""
    header = ("# Generated by `python -m base.nats_auth > ops/nats/nats.conf` from base/nats_auth.py: the same\n"
              "# identities and permissions as the embedded NATS. Each $NATS_<IDENTITY>_PASSWORD comes from\n"
              "# nats-server's environment (see compose.yaml); the server refuses to start when one is missing.\n")
    return header + render_config({i: "" for i in IDENTITIES}, "REWARDS_EVENTS", variables=True)


if __name__ == "__main__":
    print(compose_config(), end="")
