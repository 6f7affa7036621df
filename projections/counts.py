"""Listing totals folded by the projections, for the filters whose count grows with the whole collection: none at
all, and one status. A `$count` over them is a scan (projections/paging.py: 26 ms for all 100,000 documents, 33 ms
for one status), while a counter is one read by `_id` (~1 ms). Narrower filters (one event, user or reward) count
only their matches through an index, so they stay with `$count`, as do the ones no fold can keep (a name
substring, a period compared with the clock).

Where: a companion collection beside the read model's live one (`companion(name)`), so replay builds the counters
with the items and drops them with the old collection (projections/replay.py).

Each event says by itself how it moves the counts (a new document: +1 to the total and to its status; a status
change: -1 from the old status, +1 to the new), because the domains never record a change that changes nothing:
a request is decided only while PENDING, a promotion is activated only while INACTIVE and the other way round.

Folds are at least once. Every counter carries `_pos`, the last position it counted, and is moved only by events
past it, in position order (as `fold()` guards a document): the deltas a batch has for one counter are one `$inc`
guarded by the first one's position; when that misses (a crash left the counter inside the run, the batch cut
differently before), the counter's deltas are applied one at a time, each guarded by its own position. The items
and the counters are written separately, each idempotent, so a crash between them is repaired by the refold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from projections.base import Collection, fold, refused_as_duplicates

ALL: Final = "all"
#: Marks counters kept since the read model's collection was empty: a collection folded before counters existed
#: has none, and its listings count instead (`counted` answers None) until a replay rebuilds it.
FROM_START: Final = "from-start"
#: (counter, position, delta): how one event moves one counter.
Move = tuple[str, int, int]


def companion(collection: str) -> str:
    """The counters' collection beside the read model's collection `collection`."""
    return f"{collection}_counts"


def counters(coll: Collection) -> Collection:
    return coll.database[companion(coll.name)]


def status_key(status: str) -> str:
    return f"status:{status}"


def created(position: int, status: str) -> list[Move]:
    """A new document, counted in the total and under its status."""
    return [(ALL, position, 1), (status_key(status), position, 1)]


def status_changed(position: int, before: str, after: str) -> list[Move]:
    return [(status_key(before), position, -1), (status_key(after), position, 1)]


def _doc_and_field(key: str) -> tuple[str, str]:
    """A counter `doc#field` is one field of a document holding several (a dashboard bucket); a plain key is the
    document's `n`."""
    doc, _, field = key.partition("#")
    return doc, field or "n"


async def apply_moves(coll: Collection, moves: Iterable[Move]) -> None:
    """Fold `moves` (in position order) into the counters of read model `coll`, each counted once. The guard is
    per document: the moves of one document's fields are one run."""
    runs: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for key, position, delta in moves:
        doc, field = _doc_and_field(key)
        runs[doc].append((position, field, delta))
    if not runs:
        return
    docs = list(runs)
    writes = [UpdateOne({"_id": doc, "_pos": {"$lt": runs[doc][0][0]}},
                        {"$inc": _summed(runs[doc]), "$set": {"_pos": runs[doc][-1][0]}}, upsert=True)
              for doc in docs]
    target = counters(coll)
    try:
        await target.bulk_write(writes, ordered=False)
        return
    except BulkWriteError as exc:
        missed = [docs[index] for index in refused_as_duplicates(exc)]
    for doc in missed:  # the counter has counted part of this run (or all of it): one position at a time
        by_position: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
        for move in runs[doc]:
            by_position[move[0]].append(move)
        for position, at_position in by_position.items():
            await fold(target, doc, position, {"$inc": _summed(at_position)})


def _summed(run: list[tuple[int, str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for _, field, delta in run:
        total[field] += delta
    return dict(total)


async def start(coll: Collection) -> None:
    """Called before anything is folded into `coll` (with its indexes): if it is empty, its counters will have
    seen every event, so they may be read."""
    if await coll.find_one({}, {"_id": 1}) is None:
        await counters(coll).update_one({"_id": FROM_START}, {"$set": {"n": 0}}, upsert=True)


def key_of(query: dict[str, Any]) -> str | None:
    """The folded counter that totals `query`, if there is one: no filter, or one status."""
    if not query:
        return ALL
    if query.keys() == {"status"} and isinstance(query["status"], str):
        return status_key(query["status"])
    return None


async def counted(coll: Collection, key: str) -> int | None:
    """The folded count `key` of read model `coll` (0 before anything was counted), or None when the collection's
    counters did not start with it (`start`)."""
    docs = {doc["_id"]: int(doc["n"]) async for doc in counters(coll).find({"_id": {"$in": [FROM_START, key]}})}
    return docs.get(key, 0) if FROM_START in docs else None
