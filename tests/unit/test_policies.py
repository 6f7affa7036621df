"""Policies: which stored events call for a follow-up command, and that the follow-up decides PENDING requests the way
a person would not have to, once, however often its event is handed over."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from commands.context import Caller
from commands.dispatch import dispatch
from commands.handlers import COMMAND_HANDLERS
from commands.messages import IN_PROCESS, POLICY
from commands.policies import follow_ups
from commands.reward_requests import POLICY_HANDLERS, SettlePendingRequests, request_answer
from commands.store import MemoryEventStore
from domain.events import RecordedEvent
from projections.base import Collection
from projections.policy_runner import Policies
from tests.unit.test_reward_request_commands import ok, promotion, request


async def stored(store: MemoryEventStore) -> list[RecordedEvent]:
    return await store.read_all(1, 100_000)


async def run_policies(store: MemoryEventStore) -> None:
    """Hand every stored event to the policies, as the runner does from its checkpoint (here: from the start)."""
    policies = Policies(store)
    for event in await stored(store):
        if event.type in policies.handles:
            await policies.apply(cast(Collection, None), event)


async def status_of(store: MemoryEventStore, request_id: str) -> tuple[str, str | None]:
    answer = await request_answer(store, request_id)
    return answer["status"], answer["reason"]


async def pending(store: MemoryEventStore, event_id: str, reward_id: str, *users: str) -> list[str]:
    ids = []
    for user in users:
        reply = await request(store, event_id, reward_id, user)
        assert reply.ok and reply.result and reply.result["status"] == "PENDING", reply
        ids.append(reply.result["id"])
    return ids


async def test_only_a_detach_and_turning_auto_resolve_on_call_for_a_follow_up() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "stock": 5})
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "autoResolve": True})
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "stock": 6})
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "autoResolve": False})
    await ok(store, "DetachReward", {"eventId": event_id, "rewardId": reward_id})
    events = await stored(store)
    issued = [(e.type, f.command) for e in events for f in follow_ups(e)]
    assert issued == [
        ("EventRewardUpdated", SettlePendingRequests(promotion_id=event_id, reward_id=reward_id,
                                                     settlement="AUTO_RESOLVE")),
        ("RewardDetachedFromEvent", SettlePendingRequests(promotion_id=event_id, reward_id=reward_id,
                                                          settlement="REWARD_DETACHED")),
    ]
    detach = events[-1]
    again = follow_ups(detach)[0].command_id
    assert again == follow_ups(detach)[0].command_id  # a redelivered event issues the same command
    assert follow_ups(replace(detach, event_id="another-event"))[0].command_id != again


async def test_a_detach_rejects_that_rewards_pending_requests_once() -> None:
    store = MemoryEventStore()
    event_id, detached = await promotion(store)
    _, kept = await promotion(store)
    waiting = await pending(store, event_id, detached, "u1", "u2")
    elsewhere = await pending(store, _, kept, "u1")
    await ok(store, "DetachReward", {"eventId": event_id, "rewardId": detached})
    await run_policies(store)
    assert [await status_of(store, r) for r in waiting] == [("REJECTED", "REWARD_DETACHED")] * 2
    assert await status_of(store, elsewhere[0]) == ("PENDING", None)
    head = await store.head()
    await run_policies(store)  # every event handed over again (a crash before the checkpoint)
    assert await store.head() == head


async def test_turning_auto_resolve_on_decides_pending_requests_by_their_stored_evaluation() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store, condition={"login_days": {"min": 1}}, stock=1)
    (ineligible,) = await pending(store, event_id, reward_id, "u1")
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "condition": None})
    first, second = await pending(store, event_id, reward_id, "u2", "u3")
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "autoResolve": True})
    await run_policies(store)
    # u1 was asked about logins when the rule held; the rule dropped since does not make it eligible now.
    assert await status_of(store, ineligible) == ("REJECTED", "CONDITION_NOT_MET: login_days (min 1, "
                                                              "consecutive false): saw 0")
    granted = await request_answer(store, first)
    assert granted["status"] == "APPROVED" and granted["decidedBy"] is None
    assert granted["grant"]["reward"]["points"] == 100
    assert await status_of(store, second) == ("REJECTED", "OUT_OF_STOCK")
    head = await store.head()
    await run_policies(store)
    assert await store.head() == head
    grants = [e for e in await stored(store) if e.type == "RewardGranted"]
    assert len(grants) == 1


async def test_auto_resolve_turned_off_again_before_the_policy_ran_leaves_requests_pending() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    (waiting,) = await pending(store, event_id, reward_id, "u1")
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "autoResolve": True})
    await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id, "autoResolve": False})
    await run_policies(store)
    assert await status_of(store, waiting) == ("PENDING", None)


async def test_only_a_policy_may_settle_requests_and_no_bus_subject_carries_it() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    body = {"eventId": event_id, "rewardId": reward_id, "settlement": "REWARD_DETACHED"}
    refused = await dispatch("SettlePendingRequests", body, Caller("c1", via=IN_PROCESS), store, POLICY_HANDLERS)
    assert refused.error and refused.error.code == "forbidden"
    unknown = await dispatch("SettlePendingRequests", body, Caller("c2", via=POLICY), store, COMMAND_HANDLERS)
    assert unknown.error and unknown.error.code == "bad-request"
    allowed = await dispatch("SettlePendingRequests", body, Caller("c3", via=POLICY), store, POLICY_HANDLERS)
    assert allowed.ok and allowed.result == {"eventId": event_id, "rewardId": reward_id, "decided": []}
