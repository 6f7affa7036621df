"""NATS wiring: the broker factory and the JetStream stream. Objects are built per call (never at import time): a
stream declared once per process would never reach a second server in the same process (tests)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.nats import NatsBroker
from faststream.nats.security import NatsCredentials, NatsUserPassword

from base.settings import NatsSettings
from base.subjects import EVENT_PREFIX

#: How long JetStream remembers a Nats-Msg-Id; a relay restart re-publishing within it is de-duplicated.
DUPLICATE_WINDOW_SECONDS = 15 * 60


def make_broker(url: str, **kwargs: object) -> NatsBroker:
    """Errors a subscriber raises are logged (with the message's context); the per-message access lines only at
    DEBUG, as they would double the log volume of every command. Reconnects forever: nats-py gives up after 60
    attempts (2 minutes), and then every request fails for good."""
    log = logging.getLogger("ledger.nats")
    options: dict[str, Any] = {"max_reconnect_attempts": -1, **kwargs}
    return NatsBroker(url, logger=log, log_level=logging.DEBUG, **options)


async def ensure_event_stream(broker: NatsBroker, name: str) -> None:
    """Create (or bring up to date) the JetStream stream that holds every published domain event."""
    from nats.js.api import StreamConfig
    from nats.js.errors import BadRequestError

    js = broker.connection.jetstream()
    config = StreamConfig(name=name, subjects=[f"{EVENT_PREFIX}.>"], duplicate_window=DUPLICATE_WINDOW_SECONDS)
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


def connect_options(nats: NatsSettings) -> dict[str, Any]:
    """The identity a broker connects as (user-password or a .creds file) and its reply-inbox prefix, which that
    identity's NATS permissions let it subscribe to."""
    options: dict[str, Any] = {}
    if nats.inbox_prefix:
        options["inbox_prefix"] = nats.inbox_prefix
    if nats.user:
        options["security"] = NatsUserPassword(nats.user, nats.password)
    elif nats.creds:
        options["security"] = NatsCredentials(nats.creds)
    return options


_in_flight: set[asyncio.Task[None]] = set()  # held until done: the loop keeps only weak references to tasks


def publish_soon(broker: NatsBroker, body: bytes, subject: str, what: str) -> None:
    """Publish on core NATS without waiting: for hints a reader can do without (an append nudge, a replica's commit
    announcement), whose loss only costs the reader a poll or a store read. A failure is logged at debug as `what`."""
    async def publish() -> None:
        try:
            await broker.publish(body, subject)
        except Exception:
            logging.getLogger("ledger.nats").debug("%s not sent", what, exc_info=True)

    task = asyncio.get_running_loop().create_task(publish())
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)
