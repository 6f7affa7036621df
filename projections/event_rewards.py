"""Event rewards read model: the rewards attached to each event, with their terms and remaining stock.

A detached reward stays as a tombstone (`detached: true`) rather than being deleted: a deleted document would lose
its `_pos`, and re-applying the attach after a crash would bring it back. `granted` counts `RewardGranted` (an
attach, a re-attach included, starts it at 0, as the Promotion aggregate does); `remaining` is derived when read,
so no fold has to read before it writes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar, Final

from pymongo import UpdateOne

from domain.events import RecordedEvent
from domain.promotion_events import EventRewardUpdated, RewardAttachedToEvent, RewardDetachedFromEvent
from domain.promotion_shape import promotion_reward_json, stored
from domain.reward_request import RewardGranted
from projections.base import Collection, Projection, fold, iso
from projections.paging import Paging, Sort, page_of

ATTACH_ORDER: Final[Sort] = (("attachedAt", 1), ("_id", 1))


def event_reward_id(event_id: str, reward_id: str) -> str:
    return f"{event_id}:{reward_id}"


class EventRewardsProjection(Projection):
    name: ClassVar[str] = "event_rewards"
    handles: ClassVar[frozenset[str]] = frozenset(
        {"RewardAttachedToEvent", "EventRewardUpdated", "RewardDetachedFromEvent", "RewardGranted"})
    indexes = (("eventId", False), ("rewardId", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        e = event.event
        match e:
            case RewardAttachedToEvent():
                await fold(coll, event_reward_id(e.promotion_id, e.reward_id), event.position, {"$set": {
                    "eventId": e.promotion_id, "rewardId": e.reward_id, "reward": e.reward,
                    "condition": stored(e.condition), "autoResolve": e.auto_resolve, "stock": e.stock,
                    "perUserLimit": e.per_user_limit, "granted": 0, "attachedAt": iso(e.at), "detached": False}})
            case EventRewardUpdated():
                await fold(coll, event_reward_id(e.promotion_id, e.reward_id), event.position, {"$set": {
                    "condition": stored(e.condition), "autoResolve": e.auto_resolve, "stock": e.stock,
                    "perUserLimit": e.per_user_limit}})
            case RewardDetachedFromEvent():
                await fold(coll, event_reward_id(e.promotion_id, e.reward_id), event.position, {"$set": {
                    "detached": True, "detachedAt": iso(e.at)}})
            case RewardGranted():
                await fold(coll, event_reward_id(e.promotion_id, e.reward_id), event.position,
                           {"$inc": {"granted": 1}})


    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """Grants are counted with one `$inc` per run of consecutive grants of an event reward, and the runs of all
        event rewards go in one `bulk_write` (a busy promotion's grants were one store write each); the other
        events fold one at a time, in order, first. A run whose document has already folded part of it (a batch
        cut differently before a crash) does not match its `_pos` guard: then every run is folded event by event,
        each guarded by `_pos` as usual."""
        by_doc: dict[str, list[RecordedEvent]] = defaultdict(list)
        for event in events:
            e = event.event
            assert isinstance(e, RewardAttachedToEvent | EventRewardUpdated | RewardDetachedFromEvent | RewardGranted)
            by_doc[event_reward_id(e.promotion_id, e.reward_id)].append(event)
        runs: list[tuple[str, list[RecordedEvent]]] = []
        for doc_id, doc_events in by_doc.items():
            if all(isinstance(event.event, RewardGranted) for event in doc_events):
                runs.append((doc_id, doc_events))
            else:  # rare (an attach or a change of terms in this batch): in order, one at a time
                for event in doc_events:
                    await self.apply(coll, event)
        if not runs:
            return
        result = await coll.bulk_write([
            UpdateOne({"_id": doc_id, "_pos": {"$lt": run[0].position}},
                      {"$inc": {"granted": len(run)}, "$set": {"_pos": run[-1].position}})
            for doc_id, run in runs], ordered=False)
        if result.matched_count < len(runs):
            for _, run in runs:
                for event in run:
                    await self.apply(coll, event)


#: The one rendering of a promotion's reward, which the handlers answer with too.
to_json = promotion_reward_json


async def find_page(coll: Collection, event_id: str, paging: Paging) -> dict[str, Any]:
    """A page of the rewards attached to `event_id` (detached ones left out), in attach order, rendered."""
    return await page_of(coll, {"eventId": event_id, "detached": False}, ATTACH_ORDER, paging, to_json)
