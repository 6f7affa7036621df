"""Reward catalogue read model: the listing, filterable by type."""

from __future__ import annotations

from typing import ClassVar

from domain.events import RecordedEvent
from domain.reward import RewardCreated, reward_document, reward_json
from projections.base import Collection, Projection, fold


class RewardsProjection(Projection):
    name: ClassVar[str] = "rewards"
    handles: ClassVar[frozenset[str]] = frozenset({"RewardCreated"})
    indexes = (("type", False), ("createdAt", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        e = event.event
        if isinstance(e, RewardCreated):
            doc = reward_document(e.reward_id, e.spec, e.created_at, e.created_by)
            await fold(coll, e.reward_id, event.position, {"$set": {k: v for k, v in doc.items() if k != "_id"}})


#: The one rendering of a reward, which the handler answers with too.
reward_doc_to_json = reward_json
