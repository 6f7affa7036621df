"""Projection base: one class per read model, the event types it folds, and `apply(event)`.

Idempotence without transactions: every read-model document carries `_pos`, the position of the last event
folded into it, and every update is guarded by `_pos < position`. Re-applying an event (a crash between folding
and saving the checkpoint) matches nothing, and the upsert then hits the `_id` unique index, which we treat as
"already applied". So a crash at any point never double-counts or skips, and replay = fold from 0 into a new
collection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Final

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.clock import iso
from domain.events import RecordedEvent

Collection = AsyncCollection[dict[str, Any]]
#: An index's keys: one field, or (field, direction) pairs for a compound index, e.g. an equality filter's field
#: then the listing's sort key, so a filtered page is read in index order instead of sorted whole.
IndexKeys = str | Sequence[tuple[str, int]]
__all__ = ["Collection", "IndexKeys", "Projection", "fold", "fold_sets", "iso", "refused_as_duplicates"]
DUPLICATE_KEY: Final = 11000
#: (document id, position, fields): an event's `$set` of one document.
SetChange = tuple[str, int, dict[str, Any]]

async def fold(coll: Collection, doc_id: str, position: int, update: dict[str, Any]) -> bool:
    """Apply `update` to document `doc_id` once for the event at `position`; False if it was already applied."""
    update = {**update, "$set": {**update.get("$set", {}), "_pos": position}}
    try:
        result = await coll.update_one({"_id": doc_id, "_pos": {"$lt": position}}, update, upsert=True)
    except DuplicateKeyError:
        return False
    return bool(result.matched_count or result.upserted_id is not None)


async def fold_sets(coll: Collection, changes: Iterable[SetChange]) -> None:
    """Fold a batch's `$set`s (in position order) with one `bulk_write`, one write per document: its changes merged
    in order, guarded by the last one's position. Whichever of them a crash left already folded, the merged `$set`
    gives the same document (each field ends at its last value in the batch, and the batch holds every event past the
    checkpoint), and a document already past the last one refuses the upsert on `_id`: "already applied", as in
    `fold()`. A write refused on another unique key is dropped as `fold()` drops it."""
    merged: dict[str, tuple[int, dict[str, Any]]] = {}
    for doc_id, position, fields in changes:
        _, before = merged.get(doc_id, (0, {}))
        merged[doc_id] = (position, {**before, **fields})
    if not merged:
        return
    writes = [UpdateOne({"_id": doc_id, "_pos": {"$lt": position}}, {"$set": {**fields, "_pos": position}},
                        upsert=True) for doc_id, (position, fields) in merged.items()]
    try:
        await coll.bulk_write(writes, ordered=False)
    except BulkWriteError as exc:
        refused_as_duplicates(exc)


def refused_as_duplicates(exc: BulkWriteError) -> list[int]:
    """The indexes of the writes an unordered bulk write refused on a unique key: "already applied" to a fold
    (see `fold()`). Any other refusal is raised."""
    errors = exc.details.get("writeErrors", [])
    if any(error.get("code") != DUPLICATE_KEY for error in errors):
        raise exc
    return [int(error["index"]) for error in errors]


class Projection:
    """A read model. `name` is stable (checkpoints and the replay CLI use it); `handles` lists event types."""

    name: ClassVar[str]
    handles: ClassVar[frozenset[str]]
    indexes: ClassVar[tuple[tuple[IndexKeys, bool], ...]] = ()  # (keys, unique)
    #: Folds only the envelope (type, position, recorded time), never the payload: it is given every stored event,
    #: one this code cannot decode or of a type it does not know included, so no poison event can stop it.
    envelope_only: ClassVar[bool] = False

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        raise NotImplementedError

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """Fold a batch of handled events in order; override to save round trips (e.g. one write per document)."""
        for event in events:
            await self.apply(coll, event)

    async def create_indexes(self, coll: Collection) -> None:
        for keys, unique in self.indexes:
            await coll.create_index(keys if isinstance(keys, str) else list(keys), unique=unique)
