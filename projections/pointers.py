"""Pointer documents: for each projection, the collection that is live and the position it has folded.

Replay builds a new collection aside and then switches the pointer (the stand-in's renameCollection is unsafe),
so the checkpoint and the collection it describes always change together, in one document."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from domain.clock import iso

POINTERS = "projection_pointers"


@dataclass(frozen=True)
class Pointer:
    name: str
    collection: str
    position: int
    #: Set while the projection is stopped before an event it cannot fold (see projections/poison.py).
    stopped: dict[str, Any] | None = None


def new_collection_name(name: str) -> str:
    return f"rm_{name}_{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"


async def load_pointer(db: AsyncDatabase[dict[str, Any]], name: str) -> Pointer:
    """The live pointer of `name`, created (at position 0, on a fresh collection) the first time."""
    doc = await db[POINTERS].find_one({"_id": name})
    if doc is None:
        with contextlib.suppress(DuplicateKeyError):  # another process may create it first
            await db[POINTERS].insert_one({"_id": name, "collection": new_collection_name(name), "position": 0})
        doc = await db[POINTERS].find_one({"_id": name})
    assert doc is not None
    return _pointer(doc)


async def load_pointers(db: AsyncDatabase[dict[str, Any]], names: list[str]) -> dict[str, Pointer]:
    """The live pointers of `names`, by name, in one read (a missing one is created as `load_pointer` does)."""
    found = {d["_id"]: _pointer(d) async for d in db[POINTERS].find({"_id": {"$in": names}})}
    for name in names:
        if name not in found:
            found[name] = await load_pointer(db, name)
    return found


def _pointer(doc: dict[str, Any]) -> Pointer:
    return Pointer(doc["_id"], doc["collection"], int(doc["position"]), doc.get("stopped"))


@dataclass(frozen=True)
class Advance:
    """Move the checkpoint `ptr` to `position` (clearing a stop it had gone past), if it is still `ptr`."""

    ptr: Pointer
    position: int
    extra: dict[str, Any]

    def operation(self) -> UpdateOne:
        update: dict[str, Any] = {"$set": {"position": self.position, **self.extra}}
        if self.ptr.stopped is not None:
            update["$unset"] = {"stopped": ""}
        return UpdateOne({"_id": self.ptr.name, "collection": self.ptr.collection, "position": self.ptr.position},
                         update)


async def advance_all(db: AsyncDatabase[dict[str, Any]], moves: list[Advance]) -> bool:
    """Move checkpoints forward, in one write (the runners of a process after a batch they read together); False
    when any pointer was switched or moved by someone else meanwhile: the caller reloads them to see which moved."""
    result = await db[POINTERS].bulk_write([move.operation() for move in moves], ordered=False)
    return result.matched_count == len(moves)


async def stop(db: AsyncDatabase[dict[str, Any]], ptr: Pointer, position: int, extra: dict[str, Any],
               stopped: dict[str, Any]) -> bool:
    """Record that the projection stopped before `stopped["position"]`, its checkpoint moved to `position` (the
    events before that one); False when the pointer was switched or moved meanwhile."""
    result = await db[POINTERS].update_one(
        {"_id": ptr.name, "collection": ptr.collection, "position": ptr.position},
        {"$set": {"position": position, "stopped": stopped, **extra}})
    return result.matched_count == 1


async def switch(db: AsyncDatabase[dict[str, Any]], old: Pointer, collection: str, position: int) -> bool:
    """Point `old.name` at `collection` folded up to `position`, if the live pointer has not moved past it."""
    result = await db[POINTERS].update_one(
        {"_id": old.name, "collection": old.collection, "position": {"$lte": position}},
        {"$set": {"collection": collection, "position": position, "switchedAt": iso(datetime.now(UTC))},
         "$unset": {"stopped": ""}})  # the rebuilt collection has folded past any event the live one stopped at
    return result.modified_count == 1


async def stopped_projections(db: AsyncDatabase[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each stopped projection's stop record, by name. Read whole: there is one small document per projection
    (and a filter on a missing field is one the stand-in is not trusted with)."""
    return {d["_id"]: d["stopped"] async for d in db[POINTERS].find({}, {"stopped": 1}) if d.get("stopped")}


async def positions(db: AsyncDatabase[dict[str, Any]], names: list[str]) -> dict[str, int]:
    docs = db[POINTERS].find({"_id": {"$in": names}}, {"position": 1})
    return {d["_id"]: int(d["position"]) async for d in docs}
