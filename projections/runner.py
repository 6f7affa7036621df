"""Folds the store into one projection's live collection, in batches, recording where it is in the pointer.

An event the projection cannot fold stops this runner alone, before that event (projections/poison.py); the other
runners and the relay read the same events and go on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from base.metrics import (
    PROJECTION_LAG_EVENTS,
    PROJECTION_LAG_SECONDS,
    PROJECTION_POSITION,
    PROJECTION_STOPPED,
    PROJECTION_STOPPED_POSITION,
)
from commands.store.base import EventStore
from commands.store.mapper import describe
from domain.events import RecordedEvent
from projections.base import Collection, Projection, iso
from projections.pointers import Pointer, advance, load_pointer, stop
from projections.poison import PoisonEvent, first_unreadable, transient

log = logging.getLogger("ledger.projectors")
BATCH = 1000
IDLE_POLL_SECONDS = 0.5
LAG_SECONDS = 1.0
POINTER_TTL_SECONDS = 0.5


async def fold_batch(projection: Projection, coll: Collection, events: list[RecordedEvent]) -> None:
    """Fold the events `projection` handles. Raises PoisonEvent for the first one it cannot fold, after folding
    the ones before it (folds are idempotent, so a batch that failed is retried one event at a time to find it)."""
    handled = [event for event in events if event.type in projection.handles]
    unreadable = first_unreadable(handled)
    readable = handled[:handled.index(unreadable)] if unreadable else handled
    if readable:
        try:
            await projection.apply_batch(coll, readable)
        except Exception as batch_error:
            if transient(batch_error):
                raise
            for event in readable:
                try:
                    await projection.apply(coll, event)
                except Exception as exc:
                    if transient(exc):
                        raise
                    raise PoisonEvent(event, describe(exc)) from exc
            raise  # every event folds alone: the batch failed for another reason, so it is retried
    if unreadable:
        raise PoisonEvent.of_unreadable(unreadable)


class ProjectionRunner:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], store: EventStore, projection: Projection) -> None:
        self.db, self.store, self.projection = db, store, projection
        self._indexed: set[str] = set()
        self.stopped: PoisonEvent | None = None
        #: The pointer as this runner last moved it, and when: only this runner moves it, and a replay that switches
        #: it makes the next `advance` fail. Used for POINTER_TTL_SECONDS, well inside the 2 s a replay keeps the old
        #: collection (projections/replay.py); saves a store read per batch of a busy runner.
        self._pointer: tuple[float, Pointer] | None = None
        self._lag_observed = 0.0
        self._report(None)

    async def step(self) -> int:
        """Fold one batch; returns how many events were read (0 = caught up, or stopped)."""
        if self.stopped:
            return 0
        cached, self._pointer = self._pointer, None
        fresh = cached is not None and time.monotonic() - cached[0] < POINTER_TTL_SECONDS
        ptr: Pointer = cached[1] if cached and fresh else await load_pointer(self.db, self.projection.name)
        coll = self.db[ptr.collection]
        if ptr.collection not in self._indexed:
            await self.projection.create_indexes(coll)
            self._indexed.add(ptr.collection)
        events = await self.store.read_all(ptr.position + 1, BATCH)
        if not events:
            return 0
        try:
            await fold_batch(self.projection, coll, events)
        except PoisonEvent as poison:
            await self._stop(ptr, events, poison)
            return 0
        last = events[-1]
        moved = await advance(self.db, ptr, last.position, {"lastEventAt": iso(last.occurred_at)})
        if moved:
            self._pointer = (time.monotonic(), replace(ptr, position=last.position, stopped=None))
            self._observe(last)
            if ptr.stopped:
                self._report(None)
                log.info("projection %s resumed past position %s", self.projection.name, ptr.stopped.get("position"))
        return len(events)

    async def _stop(self, ptr: Pointer, events: list[RecordedEvent], poison: PoisonEvent) -> None:
        """Checkpoint the events before the poison one, record the stop in the pointer, report it once."""
        before = [e for e in events if e.position < poison.position]
        position = before[-1].position if before else ptr.position
        extra = {"lastEventAt": iso(before[-1].occurred_at)} if before else {}
        if not await stop(self.db, ptr, position, extra, poison.record()):
            return  # the pointer was switched meanwhile (replay): read again from the new one
        self.stopped = poison
        if before:
            self._observe(before[-1])
        self._report(poison)
        poison.log(log, f"projection {self.projection.name}")

    def _report(self, poison: PoisonEvent | None) -> None:
        PROJECTION_STOPPED.labels(self.projection.name).set(1 if poison else 0)
        PROJECTION_STOPPED_POSITION.labels(self.projection.name).set(poison.position if poison else 0)

    async def _resumable(self) -> bool:
        """A stopped runner resumes when replay has switched the pointer past the event (it clears the stop)."""
        assert self.stopped is not None
        ptr = await load_pointer(self.db, self.projection.name)
        if ptr.stopped is None and ptr.position >= self.stopped.position:
            log.info("projection %s resumes: its pointer was switched past position %d", self.projection.name,
                     self.stopped.position)
            self.stopped = None
            self._report(None)
            return True
        return False

    def _observe(self, last: RecordedEvent) -> None:
        name = self.projection.name
        PROJECTION_POSITION.labels(name).set(last.position)
        PROJECTION_LAG_SECONDS.labels(name).set(max(0.0, (datetime.now(UTC) - last.occurred_at).total_seconds()))

    async def catch_up(self) -> None:
        if self.stopped and not await self._resumable():
            await self._observe_lag()
            return
        while await self.step() >= BATCH:  # a short batch was the tail: no need to read an empty one after it
            pass
        await self._observe_lag()

    async def _observe_lag(self) -> None:
        """The lag gauges, at most every LAG_SECONDS (two store reads: not for every batch of a busy runner)."""
        if time.monotonic() - self._lag_observed < LAG_SECONDS:
            return
        self._lag_observed = time.monotonic()
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
