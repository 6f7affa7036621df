"""Folds the store into the projections' live collections, in batches, recording where each is in its pointer.

The runners of one process form a `RunnerGroup`: one store read per batch for all of them, and one write for all
their pointer advances (the store, a pure-Python stand-in, was mostly busy answering seven runners polling the same
events). Each runner still has its own pointer, its own stop and resume: an event one projection cannot fold stops
that runner alone, before that event (projections/poison.py); the other runners and the relay go on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

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
from projections.pointers import Advance, Pointer, advance_all, load_pointer, load_pointers, positions, stop
from projections.poison import PoisonEvent, first_unreadable, transient

log = logging.getLogger("ledger.projectors")
#: Events read per batch near the head (a cycle's first read): small, so a fold answers read-your-writes quickly.
BATCH = 1000
#: While reads keep coming back full the runners are far behind (a start after downtime, a new projection): each
#: next read doubles, up to this, so the store answers fewer, larger reads and each projection writes fewer, larger
#: bulk writes (one per batch, coalesced per document) and the pointers move once per batch.
MAX_BATCH = 8000
IDLE_POLL_SECONDS = 0.5
LAG_SECONDS = 1.0
POINTER_TTL_SECONDS = 0.5
#: After a nudge a group waits until this long after its previous cycle began: under load nudges arrive every few
#: milliseconds, and each cycle costs the store at least a read and a write, so batches grow instead of cycles
#: multiplying. Short enough not to be felt by read-your-writes (a request waits for the fold anyway).
MIN_CYCLE_SECONDS = 0.015
#: A runner whose batch failed (the store away, a policy's command deferred) sits out this long; the others go on.
RETRY_SECONDS = 1.0


async def fold_batch(projection: Projection, coll: Collection, events: list[RecordedEvent]) -> None:
    """Fold the events `projection` handles. Raises PoisonEvent for the first one it cannot fold, after folding
    the ones before it (folds are idempotent, so a batch that failed is retried one event at a time to find it)."""
    if projection.envelope_only:
        handled, unreadable = events, None
    else:
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
    """One projection's fold and checkpoint. Run alone (`catch_up`, `run_forever`: a group of one) or with the
    other runners of its process in a `RunnerGroup`."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], store: EventStore, projection: Projection) -> None:
        self.db, self.store, self.projection = db, store, projection
        self._indexed: set[str] = set()
        self.stopped: PoisonEvent | None = None
        #: The pointer as this runner last read or moved it, and when: only this runner moves it, and a replay that
        #: switches it makes the next advance fail. Used for POINTER_TTL_SECONDS, well inside the 2 s a replay keeps
        #: the old collection (projections/replay.py); saves a store read per batch of a busy runner.
        self._pointer: tuple[float, Pointer] | None = None
        self._report(None)

    @property
    def name(self) -> str:
        return self.projection.name

    async def catch_up(self) -> None:
        """Fold until caught up; a failed batch raises (after the batches before it were checkpointed)."""
        failures = await RunnerGroup(self.db, self.store, [self]).catch_up()
        if failures:
            raise failures[0][1]

    async def run_forever(self, wake: asyncio.Event) -> None:
        await RunnerGroup(self.db, self.store, [self]).run_forever(wake)

    async def prepare(self) -> None:
        """The live collection's indexes and the projection's upkeep of older documents (projections/events.py
        backfills its keys), before serving: a read model folded by an older version may go long without a new
        event, and its listings read what the upkeep adds. Folding does the same for a collection it meets first."""
        await self._ensure_prepared((await load_pointer(self.db, self.name)).collection)

    async def _ensure_prepared(self, collection: str) -> None:
        """The projection's indexes and upkeep on `collection`, once per collection and process."""
        if collection not in self._indexed:
            await self.projection.create_indexes(self.db[collection])
            self._indexed.add(collection)

    def _cached(self, now: float) -> Pointer | None:
        if self._pointer is not None and now - self._pointer[0] < POINTER_TTL_SECONDS:
            return self._pointer[1]
        return None

    async def _fold(self, ptr: Pointer, events: list[RecordedEvent]) -> Advance | None:
        """Fold `events` (those past `ptr`) into the pointer's collection; the advance to record, or None when the
        runner stopped at a poison event. Anything else raised leaves the pointer where it was: retried."""
        try:
            await self._ensure_prepared(ptr.collection)
            await fold_batch(self.projection, self.db[ptr.collection], events)
        except PoisonEvent as poison:
            await self._stop(ptr, events, poison)
            return None
        except BaseException:
            self._pointer = None
            raise
        return Advance(ptr, events[-1].position, {"lastEventAt": iso(events[-1].occurred_at)})

    def _moved(self, move: Advance, last: RecordedEvent) -> None:
        self._pointer = (time.monotonic(), replace(move.ptr, position=move.position, stopped=None))
        self._observe(last)
        if move.ptr.stopped:
            self._report(None)
            log.info("projection %s resumed past position %s", self.name, move.ptr.stopped.get("position"))

    async def _stop(self, ptr: Pointer, events: list[RecordedEvent], poison: PoisonEvent) -> None:
        """Checkpoint the events before the poison one, record the stop in the pointer, report it once."""
        self._pointer = None
        before = [e for e in events if e.position < poison.position]
        position = before[-1].position if before else ptr.position
        extra = {"lastEventAt": iso(before[-1].occurred_at)} if before else {}
        if not await stop(self.db, ptr, position, extra, poison.record()):
            return  # the pointer was switched meanwhile (replay): read again from the new one
        self.stopped = poison
        if before:
            self._observe(before[-1])
        self._report(poison)
        poison.log(log, f"projection {self.name}")

    def _report(self, poison: PoisonEvent | None) -> None:
        PROJECTION_STOPPED.labels(self.name).set(1 if poison else 0)
        PROJECTION_STOPPED_POSITION.labels(self.name).set(poison.position if poison else 0)

    async def _resumable(self) -> bool:
        """A stopped runner resumes when replay has switched the pointer past the event (it clears the stop)."""
        assert self.stopped is not None
        ptr = await load_pointer(self.db, self.name)
        if ptr.stopped is None and ptr.position >= self.stopped.position:
            log.info("projection %s resumes: its pointer was switched past position %d", self.name,
                     self.stopped.position)
            self.stopped = None
            self._report(None)
            return True
        return False

    def _observe(self, last: RecordedEvent) -> None:
        PROJECTION_POSITION.labels(self.name).set(last.position)
        PROJECTION_LAG_SECONDS.labels(self.name).set(max(0.0, (datetime.now(UTC) - last.occurred_at).total_seconds()))


Failure = tuple[ProjectionRunner, Exception]


class Follower(Protocol):
    """Something else in the process that reads the log in order (the relay): offered every page the group reads."""

    async def offer(self, events: list[RecordedEvent]) -> None: ...


def next_size(size: int) -> int:
    """The batch after a full one of `size` (see MAX_BATCH)."""
    return min(2 * size, max(MAX_BATCH, BATCH))


class ReadAhead:
    """The next page of the log, read while the current one is folded: far behind, a catch-up is otherwise one
    round trip after another, and the store and the folding process each wait for the other half the time. The log
    past a position only grows, so a page read ahead is what reading it then would give; one not asked for next
    (a runner failed, so the group reads from elsewhere) is cancelled, as is one left when the catch-up ends (it
    would be stale by the next one)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._next: tuple[tuple[int, int], asyncio.Task[list[RecordedEvent]]] | None = None

    async def read(self, start: int, size: int) -> list[RecordedEvent]:
        ahead, self._next = self._next, None
        if ahead is not None:
            if ahead[0] == (start, size):
                return await ahead[1]
            _discard(ahead[1])
        return await self.store.read_all(start, size)

    def prefetch(self, start: int, size: int) -> None:
        self.cancel()
        self._next = ((start, size), asyncio.ensure_future(self.store.read_all(start, size)))

    def cancel(self) -> None:
        if self._next is not None:
            _discard(self._next[1])
            self._next = None


def _discard(task: asyncio.Task[list[RecordedEvent]]) -> None:
    task.cancel()
    task.add_done_callback(lambda t: t.cancelled() or t.exception())  # a failed read nobody waits for is no error


class RunnerGroup:
    """The projection runners of one process, sharing the store work: per batch one `read_all` from the lowest
    pointer for all of them (each folds the events past its own pointer, concurrently) and one `bulk_write` of
    their pointer advances. A runner whose batch fails sits out RETRY_SECONDS without holding the others back."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], store: EventStore,
                 runners: Sequence[ProjectionRunner], followers: Sequence[Follower] = ()) -> None:
        self.db, self.store, self.runners, self.followers = db, store, list(runners), list(followers)
        self._retry_at: dict[str, float] = {}
        self._lag_observed = 0.0
        self._pages = ReadAhead(store)

    async def catch_up(self) -> list[Failure]:
        """Fold batches until the tail; returns the runners whose batch failed this time, and why."""
        now = time.monotonic()
        due = [r for r in self.runners if self._retry_at.get(r.name, 0.0) <= now]
        due = [r for r in due if not r.stopped or await r._resumable()]
        failures: list[Failure] = []
        size = BATCH
        try:
            while due:
                full, failed = await self._step(due, size)
                failures += failed
                due = [r for r in due if not r.stopped and all(r is not f for f, _ in failed)]
                if not full:  # a short batch was the tail: no need to read an empty one after it
                    break
                size = next_size(size)
        finally:
            self._pages.cancel()
        for runner, _ in failures:
            self._retry_at[runner.name] = time.monotonic() + RETRY_SECONDS
        await self._observe_lag()
        return failures

    async def _step(self, runners: list[ProjectionRunner], size: int) -> tuple[bool, list[Failure]]:
        """One batch for `runners` (of `size` events, or BATCH for those near the head while others catch up);
        whether a read came back full (more to come) and which runners failed."""
        pointers = await self._pointers(runners)
        front = max(p.position for p in pointers.values())
        behind = [r for r in runners if pointers[r.name].position < front - BATCH]
        if behind and len(behind) < len(runners):
            # One far behind (new, or resumed after a long stop) must not hold the others back while it catches up.
            ahead = [r for r in runners if r not in behind]
            read_ahead, failed_ahead = await self._batch(ahead, pointers, BATCH)
            read_behind, failed_behind = await self._batch(behind, pointers, size)
            return read_ahead or read_behind, failed_ahead + failed_behind
        return await self._batch(runners, pointers, size, read_ahead=True)

    async def _batch(self, runners: list[ProjectionRunner], pointers: dict[str, Pointer], size: int,
                     read_ahead: bool = False) -> tuple[bool, list[Failure]]:
        events = await self._pages.read(min(pointers[r.name].position for r in runners) + 1, size)
        if not events:
            return False, []
        if read_ahead and len(events) >= size:  # far behind: the next page is read while this one is folded
            self._pages.prefetch(events[-1].position + 1, next_size(size))
        work = [(r, [e for e in events if e.position > pointers[r.name].position]) for r in runners]
        work = [(r, mine) for r, mine in work if mine]  # a runner ahead of this batch waits for the others
        outcomes = await asyncio.gather(*(r._fold(pointers[r.name], mine) for r, mine in work),
                                        *(f.offer(events) for f in self.followers), return_exceptions=True)
        outcomes = outcomes[:len(work)]  # a follower deals with its own failures
        failures: list[Failure] = []
        moves: list[tuple[ProjectionRunner, Advance]] = []
        for (runner, _), outcome in zip(work, outcomes, strict=True):
            if isinstance(outcome, Exception):
                failures.append((runner, outcome))
            elif isinstance(outcome, BaseException):
                raise outcome  # cancelled
            elif outcome is not None:
                moves.append((runner, outcome))
        if moves:
            await self._advance(moves, events[-1])
        return len(events) >= size, failures

    async def _pointers(self, runners: list[ProjectionRunner]) -> dict[str, Pointer]:
        """Each runner's pointer: the one it keeps if fresh, the others in one read."""
        now = time.monotonic()
        cached = {r.name: ptr for r in runners if (ptr := r._cached(now)) is not None}
        stale = [r for r in runners if r.name not in cached]
        loaded = await load_pointers(self.db, [r.name for r in stale]) if stale else {}
        for runner in stale:
            runner._pointer = (now, loaded[runner.name])
        return {**cached, **loaded}

    async def _advance(self, moves: list[tuple[ProjectionRunner, Advance]], last: RecordedEvent) -> None:
        """One write for all advances; if one did not match (a replay switched that pointer), reload them all and
        treat as moved only those now where this batch put them."""
        if await advance_all(self.db, [move for _, move in moves]):
            for runner, move in moves:
                runner._moved(move, last)
            return
        now = time.monotonic()
        live = await load_pointers(self.db, [runner.name for runner, _ in moves])
        for runner, move in moves:
            ptr = live[runner.name]
            if ptr.collection == move.ptr.collection and ptr.position == move.position:
                runner._moved(move, last)
            else:
                log.info("projection %s: its pointer was switched (replay), reading from it", runner.name)
                runner._pointer = (now, ptr)

    async def _observe_lag(self) -> None:
        """The lag gauges, at most every LAG_SECONDS (two store reads: not for every batch of a busy process)."""
        if time.monotonic() - self._lag_observed < LAG_SECONDS:
            return
        self._lag_observed = time.monotonic()
        head = await self.store.head()
        at = await positions(self.db, [r.name for r in self.runners])
        for runner in self.runners:
            position = at.get(runner.name, 0)
            PROJECTION_LAG_EVENTS.labels(runner.name).set(max(0, head - position))
            if head <= position:
                PROJECTION_LAG_SECONDS.labels(runner.name).set(0)

    async def run_forever(self, wake: asyncio.Event) -> None:
        """Prepare each runner's collection, catch up, then wait for a nudge (or IDLE_POLL_SECONDS), cycling at most
        every MIN_CYCLE_SECONDS."""
        for runner in self.runners:
            try:
                await runner.prepare()
            except Exception:  # the store is away: folding prepares the collection when it first writes to it
                log.exception("projection %s could not prepare its collection; folding will", runner.name)
        while True:
            began = time.monotonic()
            try:
                for runner, exc in await self.catch_up():
                    log.error("projection %s failed a batch; retrying in %.0f s", runner.name, RETRY_SECONDS,
                              exc_info=exc)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("projection runners failed a batch; retrying")
                await asyncio.sleep(RETRY_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), IDLE_POLL_SECONDS)
            await asyncio.sleep(max(0.0, began + MIN_CYCLE_SECONDS - time.monotonic()))
            wake.clear()  # nudges that came meanwhile are answered by the next read
