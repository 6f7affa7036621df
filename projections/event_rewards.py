"""Event rewards read model: the rewards attached to each event, with their terms and remaining stock.

A detached reward stays as a tombstone (`detached: true`) rather than being deleted: a deleted document would lose
its `_pos`, and re-applying the attach after a crash would bring it back. `granted` is counted by the
reward-request context; `remaining` is derived when read, so no fold has to read before it writes."""

from __future__ import annotations

from typing import ClassVar

from domain.events import RecordedEvent
from domain.promotion_events import EventRewardUpdated, RewardAttachedToEvent, RewardDetachedFromEvent
from domain.promotion_shape import promotion_reward_json, stored
from projections.base import Collection, Projection, fold, iso


def event_reward_id(event_id: str, reward_id: str) -> str:
    return f"{event_id}:{reward_id}"


class EventRewardsProjection(Projection):
    name: ClassVar[str] = "event_rewards"
    handles: ClassVar[frozenset[str]] = frozenset(
        {"RewardAttachedToEvent", "EventRewardUpdated", "RewardDetachedFromEvent"})
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


#: The one rendering of a promotion's reward, which the handlers answer with too.
event_reward_doc_to_json = promotion_reward_json
