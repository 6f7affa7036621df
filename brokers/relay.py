"""The relay: publishes every stored event to JetStream on `rewards.evt.<Aggregate>.<EventType>`, in store order,
at least once. The checkpoint is saved after JetStream acknowledged; after a crash the events since the checkpoint
are published again and JetStream drops them by `Nats-Msg-Id` (the event id) within its duplicate window.

A batch is published pipelined (all in flight at once, not one ack at a time: the acks were most of the relay's
time), yet the stream stays in store order: every publish after the batch's first names its predecessor in
`Nats-Expected-Last-Msg-Id`, so JetStream stores it only right after that one. When a publish fails, every later one
in the batch is refused too (wrong last message id); the checkpoint moves to the last event stored in order, and the
next attempt publishes again from there (JetStream checks duplicates before the expectation, so the ones already
stored are acknowledged as duplicates).

In the projectors' process (`run`'s default) the relay publishes what the projection runners read (`offer`), so
each page is read once for all of them; its own reads then only catch up when it is behind, polling every
IDLE_POLL_SECONDS. Alone, it reads at most once per cycle, and a cycle starts at most every MIN_CYCLE_SECONDS after a
nudge, so batches grow under load instead of cycles multiplying. Either way the checkpoint document is written at
most every CHECKPOINT_SECONDS (and at once when the relay stops or resumes): publishing again after a crash is
harmless (JetStream drops the duplicates), and the write was half the relay's store traffic.

A stored event of a known type that does not decode (its payload breaks the schema) is published as stored, less
its type's private fields, with header `Ledger-Undecodable: true`, and logged: the feed mirrors the store, and
stopping it would hold back every later grant downstream. An event of an unknown type (or a payload that is not
JSON) cannot be published safely: no private fields to drop, no subject to trust. It stops the relay alone, before
it, recorded in its checkpoint document, logged once and shown by `ledger_relay_stopped` and `/health/ready`
(projections/poison.py); a restart after the stored event is fixed resumes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import structlog
from faststream.nats import NatsBroker
from pymongo.asynchronous.database import AsyncDatabase

from base.metrics import NATS_ERRORS, RELAY_POSITION, RELAY_STOPPED, RELAY_STOPPED_POSITION
from base.subjects import event_subject
from commands.store.base import EventStore
from commands.store.mapper import UnreadableEvent
from domain.events import RecordedEvent
from projections.poison import PoisonEvent
from projections.runner import MIN_CYCLE_SECONDS

log = logging.getLogger("ledger.relay")
batches_log = structlog.get_logger("ledger.relay.batches")
CHECKPOINTS = "checkpoints"
RELAY_ID = "relay"
BATCH = 500
IDLE_POLL_SECONDS = 0.5
CHECKPOINT_SECONDS = 1.0


def _publishable(event: RecordedEvent) -> bool:
    if not isinstance(event, UnreadableEvent):
        return True
    if event.known_type is None or not isinstance(event.data, dict):
        return False
    try:
        json.dumps(event.data)
    except (TypeError, ValueError):
        return False
    return True


def _log_batch(published: list[RecordedEvent]) -> None:
    """At DEBUG, one line a batch (not an event: the feed carries each event's correlation id in its
    `X-Correlation-Id` header, and the store has it), naming the correlation ids it carried."""
    if batches_log.is_enabled_for(logging.DEBUG):
        batches_log.debug("relay published", count=len(published), firstPosition=published[0].position,
                          lastPosition=published[-1].position,
                          correlationIds=sorted({e.correlation_id for e in published if e.correlation_id})[:20])


class Relay:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], store: EventStore, broker: NatsBroker, stream: str) -> None:
        self.db, self.store, self.broker, self.stream = db, store, broker, stream
        self.stopped: PoisonEvent | None = None
        self._stop_recorded = False
        self._position: int | None = None
        self._saved: int | None = None  # the position the checkpoint document holds
        self._saved_at = 0.0
        self._turn = asyncio.Lock()  # its own reads and what the runners offer take turns: one order of publishing
        self._report(None)

    async def checkpoint(self) -> int:
        """Where the relay is: read from its checkpoint document the first time, then kept here (one relay runs;
        `run` and compose start one), which saves a store read per batch."""
        if self._position is None:
            doc = await self.db[CHECKPOINTS].find_one({"_id": RELAY_ID})
            self._stop_recorded = bool(doc and doc.get("stopped"))
            self._position = self._saved = int(doc.get("position", 0)) if doc else 0
        return self._position

    async def save_checkpoint(self, force: bool = False) -> None:
        """Write the position to the checkpoint document if it moved, and CHECKPOINT_SECONDS have passed (or
        `force`)."""
        if self._position is None or self._position == self._saved:
            return
        if not force and time.monotonic() - self._saved_at < CHECKPOINT_SECONDS:
            return
        position = self._position
        await self.db[CHECKPOINTS].update_one({"_id": RELAY_ID}, {"$set": {"position": position}}, upsert=True)
        self._saved, self._saved_at = position, time.monotonic()

    async def publish(self, event: RecordedEvent, after: RecordedEvent | None = None) -> None:
        """Publish `event`; with `after`, only if it lands right after that one in the stream."""
        headers = {"Nats-Msg-Id": event.event_id, "Ledger-Position": str(event.position)}
        if after is not None:
            headers["Nats-Expected-Last-Msg-Id"] = after.event_id
        if event.correlation_id:
            headers["X-Correlation-Id"] = event.correlation_id
        if isinstance(event, UnreadableEvent):
            headers["Ledger-Undecodable"] = "true"
            log.warning("relay publishes the event at position %d (%s) as stored: %s", event.position, event.type,
                        event.error)
        await self.broker.publish(event.envelope(), event_subject(event.aggregate, event.type),
                                  headers=headers, stream=self.stream, timeout=5.0)

    async def step(self) -> int:
        """Read and publish one batch; returns how many events were published (0 = caught up, or stopped)."""
        async with self._turn:
            if self.stopped:
                return 0
            position = await self.checkpoint()
            return await self._publish_from(await self.store.read_all(position + 1, BATCH))

    async def offer(self, events: list[RecordedEvent]) -> None:
        """Events the projection runners of this process have just read (projections/runner.py `RunnerGroup`):
        publish those past the checkpoint, sparing the store a read of the same page, when they follow on from it.
        A gap (the relay is behind) or a failure is left to the relay's own reads."""
        async with self._turn:
            if self.stopped or not events:
                return
            position = await self.checkpoint()
            if events[0].position > position + 1 or events[-1].position <= position:
                return
            try:
                await self._publish_from([e for e in events if e.position > position])
            except Exception as exc:
                NATS_ERRORS.labels("relay", type(exc).__name__).inc()
                log.warning("relay could not publish what the runners read (%s); its own reads retry", exc)
                self._position = None

    async def _publish_from(self, events: list[RecordedEvent]) -> int:
        """Publish `events` (the next ones after the checkpoint, in order) up to the first that cannot be; move the
        checkpoint past those JetStream stored in order; how many that was. Raises the first publish failure."""
        unreadable = next((e for e in events if not _publishable(e)), None)
        publishable = events[:events.index(unreadable)] if unreadable else events
        outcomes = await asyncio.gather(*(self.publish(e, publishable[i - 1] if i else None)
                                          for i, e in enumerate(publishable)), return_exceptions=True)
        failed = next((i for i, o in enumerate(outcomes) if isinstance(o, BaseException)), None)
        if failed is not None:  # keep what was stored in order; the rest is published again next time
            publishable, unreadable = publishable[:failed], None
        if publishable:
            last = publishable[-1].position
            _log_batch(publishable)
            self._position = last
            RELAY_POSITION.set(last)
            if self._stop_recorded and not unreadable:
                await self.db[CHECKPOINTS].update_one({"_id": RELAY_ID}, {"$set": {"position": last},
                                                                          "$unset": {"stopped": ""}}, upsert=True)
                self._saved, self._saved_at, self._stop_recorded = last, time.monotonic(), False
                log.info("relay resumed past position %d", last)
        await self.save_checkpoint()
        if unreadable:
            assert isinstance(unreadable, UnreadableEvent)
            await self._stop(PoisonEvent.of_unreadable(unreadable))
        if failed is not None:
            raise outcomes[failed]  # type: ignore[misc]
        return len(publishable)

    async def _stop(self, poison: PoisonEvent) -> None:
        update = {"stopped": poison.record(), "position": self._position or 0}
        await self.db[CHECKPOINTS].update_one({"_id": RELAY_ID}, {"$set": update}, upsert=True)
        self._saved, self._saved_at = self._position, time.monotonic()
        self.stopped, self._stop_recorded = poison, True
        self._report(poison)
        poison.log(log, "relay")

    def _report(self, poison: PoisonEvent | None) -> None:
        RELAY_STOPPED.set(1 if poison else 0)
        RELAY_STOPPED_POSITION.set(poison.position if poison else 0)

    async def run_forever(self, wake: asyncio.Event) -> None:
        try:
            await self._cycle_forever(wake)
        finally:  # best effort: a checkpoint left behind only means publishing again what JetStream will drop
            with contextlib.suppress(Exception):
                await asyncio.shield(self.save_checkpoint(force=True))

    async def _cycle_forever(self, wake: asyncio.Event) -> None:
        while True:
            began = time.monotonic()
            try:
                while await self.step() >= BATCH:  # a short batch was the tail
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                NATS_ERRORS.labels("relay", type(exc).__name__).inc()
                log.exception("relay batch failed; retrying from the checkpoint")
                self._position = None  # read it again: the failed batch may or may not have moved it
                await asyncio.sleep(1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), IDLE_POLL_SECONDS)
            await asyncio.sleep(max(0.0, began + MIN_CYCLE_SECONDS - time.monotonic()))
            wake.clear()
