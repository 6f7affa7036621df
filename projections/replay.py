"""Rebuild projections from the store without taking the API down: fold from 0 into new collections, catch up with
the live pointers, switch each pointer to its new collection, then drop the old ones.

Several projections are rebuilt in ONE pass of the log (`rebuild`): each page is read once and folded into every
collection being built, so `replay --all` costs one read of the store, not one per read model. A projection is
switched as soon as its collection has caught up with its live pointer (the switch is a compare-and-set on the
pointer: if the live runner moved past meanwhile, the pass goes on and it is tried again), so a read is answered by
either the old collection or the new one, each complete up to its pointer's position, never by a half-built one.

An event a projection cannot fold (PoisonEvent) ends that projection's rebuild alone: its aside collection is
dropped and its live model left as it was; the others go on. Interrupted (Ctrl-C, an error), `rebuild` drops every
aside collection not yet switched: the live models are untouched. A rebuild killed outright leaves its aside
collections behind; the next one drops them first (`drop_leftovers`), so a re-run starts clean. One rebuild at a
time: a second one running concurrently would drop the first's aside collections."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from commands.store.base import EventStore
from projections.base import Projection
from projections.counts import companion
from projections.pointers import POINTERS, load_pointer, new_collection_name, switch
from projections.poison import PoisonEvent
from projections.runner import ReadAhead, fold_batch

#: Commits per page: a replay is far behind by definition (projections/runner.py MAX_BATCH).
REPLAY_BATCH = 5000
#: (position folded, the position to reach) after every page.
Progress = Callable[[int, int], None]


@dataclass
class Rebuilt:
    """What a rebuild did: per projection the collection switched to and the position it was switched at, the
    projections it could not rebuild and why, and the collections the switches replaced (to drop after a grace)."""

    switched: dict[str, tuple[str, int]] = field(default_factory=dict)
    failed: dict[str, PoisonEvent] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)
    #: Seconds spent reading and folding pages (what a rate is of), and the rest: preparing and switching.
    fold_seconds: float = 0.0
    other_seconds: float = 0.0


async def replay(db: AsyncDatabase[dict[str, Any]], store: EventStore, projection: Projection,
                 progress: Progress | None = None, drop_after: float = 2.0) -> tuple[str, int]:
    """Rebuild one projection; returns its new live collection and the position it was switched at (raises the
    PoisonEvent it could not fold past)."""
    done = await rebuild(db, store, [projection], progress)
    if projection.name in done.failed:
        raise done.failed[projection.name]
    await drop_replaced(db, done.replaced, drop_after)
    return done.switched[projection.name]


async def rebuild(db: AsyncDatabase[dict[str, Any]], store: EventStore, projections: Sequence[Projection],
                  progress: Progress | None = None) -> Rebuilt:
    """Rebuild `projections` in one pass of the log and switch each to its new collection; the replaced
    collections are left for `drop_replaced` (reads already routed to them finish first)."""
    started = time.monotonic()
    await drop_leftovers(db, [p.name for p in projections])
    targets = {p.name: new_collection_name(p.name) for p in projections}
    for p in projections:
        await p.create_indexes(db[targets[p.name]])
    pending, done, position, pages = {p.name: p for p in projections}, Rebuilt(), 0, ReadAhead(store)
    try:
        while pending:
            lives = {name: await load_pointer(db, name) for name in pending}
            goal = max(await store.head(), *(live.position for live in lives.values()))
            folding = time.monotonic()
            while position < goal:
                events = await pages.read(position + 1, REPLAY_BATCH)
                if not events:
                    break
                if events[-1].position < goal:  # the next page is read while this one is folded
                    pages.prefetch(events[-1].position + 1, REPLAY_BATCH)
                await _fold_page(db, pending, targets, events, done)
                position = events[-1].position
                if progress:
                    progress(position, max(goal, position))
            done.fold_seconds += time.monotonic() - folding
            for name, live in lives.items():
                if name in pending and position >= live.position and await switch(db, live, targets[name], position):
                    del pending[name]  # else the live runner moved past: caught up again on the next round
                    done.switched[name] = (targets[name], position)
                    if live.collection != targets[name]:
                        done.replaced.append(live.collection)
    finally:
        done.other_seconds = time.monotonic() - started - done.fold_seconds
        pages.cancel()
        for name in pending:  # not switched: interrupted, or failed
            await _drop(db, targets[name])
    return done


async def _fold_page(db: AsyncDatabase[dict[str, Any]], pending: dict[str, Projection], targets: dict[str, str],
                     events: list[Any], done: Rebuilt) -> None:
    """Fold one page into every collection being built, at once; a projection that cannot fold one of its events
    leaves the rebuild (noted in `done.failed`)."""
    names = list(pending)
    outcomes = await asyncio.gather(*(fold_batch(pending[n], db[targets[n]], events) for n in names),
                                    return_exceptions=True)
    for name, outcome in zip(names, outcomes, strict=True):
        if isinstance(outcome, PoisonEvent):
            done.failed[name] = outcome
            del pending[name]
            await _drop(db, targets[name])
        elif isinstance(outcome, BaseException):
            raise outcome


async def drop_replaced(db: AsyncDatabase[dict[str, Any]], collections: list[str], grace: float) -> None:
    """Drop the collections a rebuild replaced, after `grace` seconds: gateways re-read a pointer at most every
    0.5 s, so a read routed to the old collection just before the switch still finds it."""
    if collections:
        await asyncio.sleep(grace)
    for collection in collections:
        await _drop(db, collection)


async def drop_leftovers(db: AsyncDatabase[dict[str, Any]], names: list[str]) -> list[str]:
    """Drop collections an earlier rebuild of `names` left behind (killed before it could drop them): collections
    named as `new_collection_name` makes them that no pointer names. Returns what was dropped."""
    live = {doc["collection"] async for doc in db[POINTERS].find({"_id": {"$in": names}}, {"collection": 1})}
    aside = re.compile(rf"^rm_({'|'.join(map(re.escape, names))})_\d{{20}}$")
    leftovers = [c for c in await db.list_collection_names() if aside.match(c) and c not in live]
    for collection in leftovers:
        await _drop(db, collection)
    return leftovers


async def _drop(db: AsyncDatabase[dict[str, Any]], collection: str) -> None:
    """A read model's collection and the counters folded beside it (projections/counts.py)."""
    await db.drop_collection(collection)
    await db.drop_collection(companion(collection))
