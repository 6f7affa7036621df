"""Folds the store into one projection's live collection, in batches, recording where it is in the pointer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from commands.store.base import EventStore
from domain.events import RecordedEvent
from ops.metrics import PROJECTION_LAG_EVENTS, PROJECTION_LAG_SECONDS, PROJECTION_POSITION
from projections.base import Collection, Projection, iso
from projections.pointers import Pointer, advance, load_pointer

log = logging.getLogger("ledger.projectors")
BATCH = 1000
IDLE_POLL_SECONDS = 0.5


async def fold_batch(projection: Projection, coll: Collection, events: list[RecordedEvent]) -> None:
    handled = [event for event in events if event.type in projection.handles]
    if handled:
        await projection.apply_batch(coll, handled)


class ProjectionRunner:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], store: EventStore, projection: Projection) -> None:
        self.db, self.store, self.projection = db, store, projection
        self._indexed: set[str] = set()

    async def step(self) -> int:
        """Fold one batch; returns how many events were read (0 = caught up)."""
        ptr: Pointer = await load_pointer(self.db, self.projection.name)
        coll = self.db[ptr.collection]
        if ptr.collection not in self._indexed:
            await self.projection.create_indexes(coll)
            self._indexed.add(ptr.collection)
        events = await self.store.read_all(ptr.position + 1, BATCH)
        if not events:
            return 0
        await fold_batch(self.projection, coll, events)
        last = events[-1]
        moved = await advance(self.db, ptr, last.position, {"lastEventAt": iso(last.occurred_at)})
        if moved:
            self._observe(last)
        return len(events)

    def _observe(self, last: RecordedEvent) -> None:
        name = self.projection.name
        PROJECTION_POSITION.labels(name).set(last.position)
        PROJECTION_LAG_SECONDS.labels(name).set(max(0.0, (datetime.now(UTC) - last.occurred_at).total_seconds()))

    async def catch_up(self) -> None:
        while await self.step():
            pass
        head = await self.store.head()
        ptr = await load_pointer(self.db, self.projection.name)
        PROJECTION_LAG_EVENTS.labels(self.projection.name).set(max(0, head - ptr.position))
        if head <= ptr.position:
            PROJECTION_LAG_SECONDS.labels(self.projection.name).set(0)

    async def run_forever(self, wake: asyncio.Event) -> None:
        while True:
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("projection %s failed a batch; retrying", self.projection.name)
                await asyncio.sleep(1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), IDLE_POLL_SECONDS)
            wake.clear()
