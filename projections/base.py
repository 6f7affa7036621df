"""Projection base: one class per read model, the event types it folds, and `apply(event)`.

Idempotence without transactions: every read-model document carries `_pos`, the position of the last event
folded into it, and every update is guarded by `_pos < position`. Re-applying an event (a crash between folding
and saving the checkpoint) matches nothing, and the upsert then hits the `_id` unique index, which we treat as
"already applied". So a crash at any point never double-counts or skips, and replay = fold from 0 into a new
collection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from domain.clock import iso
from domain.events import RecordedEvent

Collection = AsyncCollection[dict[str, Any]]
#: An index's keys: one field, or (field, direction) pairs for a compound index, e.g. an equality filter's field
#: then the listing's sort key, so a filtered page is read in index order instead of sorted whole.
IndexKeys = str | Sequence[tuple[str, int]]
__all__ = ["Collection", "IndexKeys", "Projection", "fold", "iso"]



async def fold(coll: Collection, doc_id: str, position: int, update: dict[str, Any]) -> bool:
    """Apply `update` to document `doc_id` once for the event at `position`; False if it was already applied."""
    update = {**update, "$set": {**update.get("$set", {}), "_pos": position}}
    try:
        result = await coll.update_one({"_id": doc_id, "_pos": {"$lt": position}}, update, upsert=True)
    except DuplicateKeyError:
        return False
    return bool(result.matched_count or result.upserted_id is not None)


class Projection:
    """A read model. `name` is stable (checkpoints and the replay CLI use it); `handles` lists event types."""

    name: ClassVar[str]
    handles: ClassVar[frozenset[str]]
    indexes: ClassVar[tuple[tuple[IndexKeys, bool], ...]] = ()  # (keys, unique)

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        raise NotImplementedError

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """Fold a batch of handled events in order; override to save round trips (e.g. one write per document)."""
        for event in events:
            await self.apply(coll, event)

    async def create_indexes(self, coll: Collection) -> None:
        for keys, unique in self.indexes:
            await coll.create_index(keys if isinstance(keys, str) else list(keys), unique=unique)
