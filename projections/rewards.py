"""Reward catalogue read model: the listing, filterable by type."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from domain.events import RecordedEvent
from domain.reward import RewardCreated, RewardType, reward_view
from projections.base import Collection, Projection, fold, iso
from projections.paging import Paging, Sort, page_of

NEWEST_FIRST: Final[Sort] = (("createdAt", -1), ("_id", 1))


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


def to_json(doc: dict[str, Any]) -> dict[str, Any]:
    """`{id, type, name, ...type fields, createdAt, createdBy}` (what `POST /rewards/{type}` answered)."""
    return {"id": doc["_id"], **{k: v for k, v in doc.items() if k not in ("_id", "_pos")}}


async def find_page(coll: Collection, reward_type: RewardType | None, paging: Paging) -> dict[str, Any]:
    """A page of catalogue rewards (of one type, if given), newest first, rendered."""
    query = {} if reward_type is None else {"type": str(reward_type)}
    return await page_of(coll, query, NEWEST_FIRST, paging, to_json)
