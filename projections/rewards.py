"""Reward catalogue read model: the listing, filterable by type."""

from __future__ import annotations

from typing import Any, ClassVar

from domain.events import RecordedEvent
from domain.reward import RewardCreated, reward_view
from projections.base import Collection, Projection, fold, iso


class RewardsProjection(Projection):
    name: ClassVar[str] = "rewards"
    handles: ClassVar[frozenset[str]] = frozenset({"RewardCreated"})
    indexes = (("type", False), ("createdAt", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        e = event.event
        if isinstance(e, RewardCreated):
            view = reward_view(e.reward_id, e.spec)
            view.pop("id")
            await fold(coll, e.reward_id, event.position, {"$set": {
                **view, "createdAt": iso(e.created_at), "createdBy": e.created_by}})


def reward_doc_to_json(doc: dict[str, Any]) -> dict[str, Any]:
    """`{id, type, name, ...type fields, createdAt, createdBy}` (what `POST /rewards/{type}` answered)."""
    return {"id": doc["_id"], **{k: v for k, v in doc.items() if k not in ("_id", "_pos")}}
