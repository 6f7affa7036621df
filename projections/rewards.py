"""Reward catalogue read model: the listing, filterable by type."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from domain.events import RecordedEvent
from domain.reward import RewardCreated, RewardType, reward_document, reward_json
from projections.base import Collection, Projection, fold_sets
from projections.paging import Paging, Sort, page_of

NEWEST_FIRST: Final[Sort] = (("createdAt", -1), ("_id", 1))


class RewardsProjection(Projection):
    name: ClassVar[str] = "rewards"
    handles: ClassVar[frozenset[str]] = frozenset({"RewardCreated"})
    indexes = (((("type", 1), ("createdAt", -1)), False), ("createdAt", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        await self.apply_batch(coll, [event])

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """One write per reward per batch (projections/base.py `fold_sets`), not one per event."""
        await fold_sets(coll, ((e.reward_id, event.position, _fields(e)) for event in events
                               if isinstance(e := event.event, RewardCreated)))


def _fields(e: RewardCreated) -> dict[str, Any]:
    doc = reward_document(e.reward_id, e.spec, e.created_at, e.created_by)
    return {k: v for k, v in doc.items() if k != "_id"}


#: The one rendering of a reward, which the handler answers with too.
to_json = reward_json


async def find_page(coll: Collection, reward_type: RewardType | None, paging: Paging) -> dict[str, Any]:
    """A page of catalogue rewards (of one type, if given), newest first, rendered."""
    query = {} if reward_type is None else {"type": str(reward_type)}
    return await page_of(coll, query, NEWEST_FIRST, paging, to_json)
