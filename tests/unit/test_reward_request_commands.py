"""Reward requests through the dispatcher on the in-memory store: the request shape, autoResolve, limits, stock,
decisions only from PENDING, and that concurrent commands on one promotion never oversell or double-grant."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from commands.context import Actor, Caller
from commands.desk import desk_of
from commands.dispatch import dispatch
from commands.messages import CommandReply
from commands.store import MemoryEventStore
from domain.clock import iso
from gateway.problems import status_for

NOW = datetime.now(UTC)
START, END = iso(NOW - timedelta(days=1)), iso(NOW + timedelta(days=6))


async def send(store: MemoryEventStore, name: str, payload: dict[str, Any], actor: str = "op-1",
               roles: frozenset[str] = frozenset({"OPERATOR"}), command_id: str | None = None) -> CommandReply:
    return await dispatch(name, payload, Caller(command_id or uuid.uuid4().hex, Actor(actor, roles)), store)


async def ok(store: MemoryEventStore, name: str, payload: dict[str, Any], **kw: Any) -> dict[str, Any]:
    reply = await send(store, name, payload, **kw)
    assert reply.ok, reply.error
    assert reply.result is not None
    return reply.result


async def request(store: MemoryEventStore, event_id: str, reward_id: str, user: str,
                  command_id: str | None = None) -> CommandReply:
    return await send(store, "RequestReward", {"eventId": event_id, "rewardId": reward_id}, actor=user,
                      roles=frozenset({"USER"}), command_id=command_id)


async def promotion(store: MemoryEventStore, rule: dict[str, Any] | None = None, **terms: Any) -> tuple[str, str]:
    event = await ok(store, "CreatePromotion", {"name": "W", "periodStart": START, "periodEnd": END,
                                                **({"rewardCondition": rule} if rule else {})})
    reward = await ok(store, "CreateReward", {"rewardType": "point", "fields": {"name": "100P", "points": 100}})
    await ok(store, "AttachReward", {"eventId": event["id"], "rewardId": reward["id"], **terms})
    return event["id"], reward["id"]


async def test_a_request_waits_pending_with_its_evaluation() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store, {"login_days": {"min": 1}})
    reply = await request(store, event_id, reward_id, "u1")
    assert reply.ok and reply.result
    r = reply.result
    assert r["status"] == "PENDING" and r["userId"] == "u1" and r["eventId"] == event_id
    assert r["evaluation"]["eligible"] is False
    assert r["evaluation"]["facts"] == {"login_days": 0}


async def test_auto_resolve_rejects_naming_the_failing_leaf_and_approves_when_eligible() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store, {"login_days": {"min": 2}}, autoResolve=True)
    r = (await request(store, event_id, reward_id, "u1")).result
    assert r and r["status"] == "REJECTED"
    assert r["reason"] == "CONDITION_NOT_MET: login_days (min 2, consecutive false): saw 0"
    event_id, reward_id = await promotion(store, None, autoResolve=True, stock=1)
    r = (await request(store, event_id, reward_id, "u1")).result
    assert r and r["status"] == "APPROVED" and r["grant"]["reward"]["points"] == 100
    r = (await request(store, event_id, reward_id, "u2")).result
    assert r and r["status"] == "REJECTED" and r["reason"] == "OUT_OF_STOCK"


async def test_second_request_is_409_and_retried_command_answers_the_first() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    first = await request(store, event_id, reward_id, "u1", command_id="c1")
    again = await request(store, event_id, reward_id, "u1", command_id="c1")
    assert first.ok and again.ok and first.result == again.result
    second = await request(store, event_id, reward_id, "u1")
    assert not second.ok and second.error and status_for(second.error.code) == 409


async def test_unknown_event_or_reward_is_404_and_inactive_is_400() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    for e, r in (("nope", reward_id), (event_id, "nope")):
        reply = await request(store, e, r, "u1")
        assert reply.error and status_for(reply.error.code) == 404
    await ok(store, "DeactivatePromotion", {"eventId": event_id})
    reply = await request(store, event_id, reward_id, "u1")
    assert reply.error and status_for(reply.error.code) == 400


async def test_decisions_only_from_pending_and_stock_never_oversold() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store, stock=5)
    ids = [(await request(store, event_id, reward_id, f"u{i}")).result["id"] for i in range(20)]  # type: ignore[index]
    replies = await asyncio.gather(*(send(store, "DecideRewardRequest", {"requestId": i, "status": "APPROVED"})
                                     for i in ids))
    statuses = [r.result["status"] for r in replies if r.result]
    assert statuses.count("APPROVED") == 5 and statuses.count("REJECTED") == 15
    assert {r.result["reason"] for r in replies if r.result and r.result["status"] == "REJECTED"} == {"OUT_OF_STOCK"}
    again = await send(store, "DecideRewardRequest", {"requestId": ids[0], "status": "REJECTED"})
    assert again.error and status_for(again.error.code) == 409
    grants = [e for e in await store.read_all(1, 10_000) if e.type == "RewardGranted"]
    assert len(grants) == 5
    rewards = await ok(store, "UpdatePromotionReward", {"eventId": event_id, "rewardId": reward_id})
    assert rewards["remaining"] == 0


async def test_concurrent_requests_of_one_user_make_one_request() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    replies = await asyncio.gather(*(request(store, event_id, reward_id, "u1") for _ in range(50)))
    assert sum(r.ok for r in replies) == 1
    assert {status_for(r.error.code) for r in replies if r.error} == {409}


async def test_requests_for_unknown_events_do_not_fill_the_desks_cache() -> None:
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    for _ in range(5):
        reply = await request(store, uuid.uuid4().hex, reward_id, "u1")
        assert reply.error and status_for(reply.error.code) == 404
    assert list(desk_of(store)._cache) == [f"Event-{event_id}"]
