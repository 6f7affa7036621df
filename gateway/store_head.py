"""What the gateway knows of the store's head: the newest position acknowledged to anyone, without a store read per
request. It learns it from the handlers' append notifications (every gateway hears every write, whoever sent it),
from the `Ledger-Position` of its own answers (before the client can read them), and from a store read at the first
request, repeated every few seconds in case a notification was lost (core NATS does not redeliver).

GETs wait for their read models to reach it (gateway/readmodels.py); `freshness_headers` then says how far behind
an answer is, as `Ledger-Lag`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from faststream.nats import NatsBroker
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from base.subjects import APPENDED
from gateway.bus import POSITION_HEADER
from gateway.single_flight import SingleFlight

log = logging.getLogger("ledger.gateway")
LAG_HEADER = "Ledger-Lag"
#: Where a request's reads note how many events their answer may miss (`Request.state` is this dict).
LAG_STATE_KEY = "ledger_lag"
#: A lost append notification delays a read of another gateway's write by at most this (plus the wait bound).
HEAD_RECHECK_SECONDS = 5.0


class StoreHead:
    def __init__(self, read_head: Callable[[], Coroutine[Any, Any, int]],
                 recheck_seconds: float = HEAD_RECHECK_SECONDS) -> None:
        self.position, self.recheck_seconds, self._read_head = 0, recheck_seconds, read_head
        self._checked_at: float | None = None
        self._check = SingleFlight(self._read_store)

    async def _read_store(self) -> int:
        started = time.monotonic()
        self.saw(await self._read_head())
        self._checked_at = started
        return self.position

    def saw(self, position: int | None) -> None:
        """A position acknowledged somewhere: the head is at least there (notifications may arrive out of order)."""
        if position is not None and position > self.position:
            self.position = position

    async def known(self) -> int:
        """The newest acknowledged position known; reads the store only at first and every `recheck_seconds`."""
        if self._checked_at is None or time.monotonic() - self._checked_at > self.recheck_seconds:
            await self._check()
        return self.position


async def follow_appends(broker: NatsBroker, head: StoreHead) -> None:
    """Subscribe (core NATS, every gateway hears every notification) to the handlers' append notifications; the
    payload is the store's new last position (brokers/command_service.py)."""
    subscriber = broker.subscriber(APPENDED, persistent=False)

    @subscriber
    async def appended(position: int) -> None:  # the decoded body, not the message: injecting that is a thread hop
        head.saw(position)

    await subscriber.start()


async def freshness_headers(message: Message, scope: Scope) -> None:
    """Before an answer leaves: a write's `Ledger-Position` moves the known head (so a GET sent after this answer
    waits for it), and a read that could not wait long enough says by how much it may be behind."""
    if message["type"] != "http.response.start":
        return
    gateway = getattr(scope["app"].state, "gateway", None)
    headers = MutableScopeHeaders.from_message(message)
    position = headers.get(POSITION_HEADER)
    if gateway is not None and position and position.isdigit():
        gateway.read_models.head.saw(int(position))
    lag = scope.get("state", {}).get(LAG_STATE_KEY)
    if lag:
        headers[LAG_HEADER] = str(lag)
