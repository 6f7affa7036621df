"""Rebuild a projection from the store without taking the API down: fold from 0 into a new collection, catch up
with the live pointer, switch the pointer to it, then drop the old collection. An event the projection cannot
fold aborts the replay (PoisonEvent) before the switch: the live model is left as it was and the aside one dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from commands.store.base import EventStore
from projections.base import Projection
from projections.counts import companion
from projections.pointers import Pointer, load_pointer, new_collection_name, switch
from projections.poison import PoisonEvent
from projections.runner import fold_batch

REPLAY_BATCH = 2000
Progress = Callable[[int, int], None]


async def replay(db: AsyncDatabase[dict[str, Any]], store: EventStore, projection: Projection,
                 progress: Progress | None = None, drop_after: float = 2.0) -> tuple[str, int]:
    """Returns the new live collection and the position it was switched at."""
    target_name = new_collection_name(projection.name)
    await projection.create_indexes(db[target_name])
    try:
        live, position = await _fold_and_switch(db, store, projection, target_name, progress)
    except PoisonEvent:
        await _drop(db, target_name)
        raise
    if progress:
        progress(position, position)
    if live.collection != target_name:
        await asyncio.sleep(drop_after)  # let reads already routed to the old collection finish
        await _drop(db, live.collection)
    return target_name, position


async def _drop(db: AsyncDatabase[dict[str, Any]], collection: str) -> None:
    """A read model's collection and the counters folded beside it (projections/counts.py)."""
    await db.drop_collection(collection)
    await db.drop_collection(companion(collection))


async def _fold_and_switch(db: AsyncDatabase[dict[str, Any]], store: EventStore, projection: Projection,
                           target_name: str, progress: Progress | None) -> tuple[Pointer, int]:
    """Fold into `target_name` until it has caught up with the live pointer, then switch; the pointer replaced."""
    target, position = db[target_name], 0
    while True:
        head = await store.head()
        live = await load_pointer(db, projection.name)
        goal = max(head, live.position)
        while position < goal:
            events = await store.read_all(position + 1, REPLAY_BATCH)
            if not events:
                break
            await fold_batch(projection, target, events)
            position = events[-1].position
            if progress:
                progress(position, max(goal, position))
        if position >= live.position and await switch(db, live, target_name, position):
            return live, position  # otherwise the live runner moved past us meanwhile: catch up again
