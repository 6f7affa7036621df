"""Every document of the live read models, for comparing a live fold with a replay (tests of projections)."""

from __future__ import annotations

from typing import Any

from projections.counts import companion
from projections.pointers import load_pointers


async def documents(db: Any, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every document of every live read model and of its companion collections, by the role of the collection
    (`users`, `events_counts`, ...): the names of the collections change with every replay, their roles do not."""
    pointers = await load_pointers(db, names)
    out: dict[str, list[dict[str, Any]]] = {}
    existing = set(await db.list_collection_names())
    for name, ptr in pointers.items():
        companions = sorted(c for c in existing if c.startswith(f"{ptr.collection}_"))
        assert set(companions) <= {companion(ptr.collection)}, f"{name}: a companion this helper does not know"
        for collection in [ptr.collection, *companions]:
            out[name + collection.removeprefix(ptr.collection)] = [
                doc async for doc in db[collection].find().sort("_id", 1)]
    return out
