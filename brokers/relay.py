"""The relay: publishes every stored event to JetStream on `rewards.evt.<Aggregate>.<EventType>`, in store order,
at least once. The checkpoint is saved after JetStream acknowledged; after a crash the events since the checkpoint
are published again and JetStream drops them by `Nats-Msg-Id` (the event id) within its duplicate window."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from faststream.nats import NatsBroker
from pymongo.asynchronous.database import AsyncDatabase

from brokers.subjects import event_subject
from commands.store.base import EventStore
from domain.events import RecordedEvent
from ops.metrics import NATS_ERRORS, RELAY_POSITION

log = logging.getLogger("ledger.relay")
CHECKPOINTS = "checkpoints"
RELAY_ID = "relay"
BATCH = 500
IDLE_POLL_SECONDS = 0.5


class Relay:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], store: EventStore, broker: NatsBroker, stream: str) -> None:
        self.db, self.store, self.broker, self.stream = db, store, broker, stream

    async def checkpoint(self) -> int:
        doc = await self.db[CHECKPOINTS].find_one({"_id": RELAY_ID})
        return int(doc["position"]) if doc else 0

    async def publish(self, event: RecordedEvent) -> None:
        headers = {"Nats-Msg-Id": event.event_id, "Ledger-Position": str(event.position)}
        if event.correlation_id:
            headers["X-Correlation-Id"] = event.correlation_id
        await self.broker.publish(event.envelope(), event_subject(event.aggregate, event.type),
                                  headers=headers, stream=self.stream, timeout=5.0)

    async def step(self) -> int:
        position = await self.checkpoint()
        events = await self.store.read_all(position + 1, BATCH)
        for event in events:
            await self.publish(event)
        if events:
            last = events[-1].position
            await self.db[CHECKPOINTS].update_one({"_id": RELAY_ID}, {"$set": {"position": last}}, upsert=True)
            RELAY_POSITION.set(last)
        return len(events)

    async def run_forever(self, wake: asyncio.Event) -> None:
        while True:
            try:
                while await self.step():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                NATS_ERRORS.labels("relay", type(exc).__name__).inc()
                log.exception("relay batch failed; retrying from the checkpoint")
                await asyncio.sleep(1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), IDLE_POLL_SECONDS)
            wake.clear()
