"""Event, reward and activity commands through the dispatcher on the in-memory store: results, error paths into
the request body, and that a refused command stores nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from commands.context import Actor, Caller
from commands.desk import desk_of
from commands.dispatch import dispatch
from commands.messages import CommandReply
from commands.store import MemoryEventStore
from gateway.problems import status_for

START, END = "2026-12-01T00:00:00Z", "2026-12-08T00:00:00Z"
RULE = {"all": [{"login_days": {"min": 3}}, {"any": [{"invites": {"min": 2}}, {"checkins": {"min": 1}}]}]}


async def send(store: MemoryEventStore, name: str, payload: dict[str, Any], command_id: str | None = None,
               actor: str = "op-1") -> CommandReply:
    caller = Caller(command_id or uuid.uuid4().hex, Actor(actor, frozenset({"OPERATOR"})))
    return await dispatch(name, payload, caller, store)


async def ok(store: MemoryEventStore, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    reply = await send(store, name, payload)
    assert reply.ok, reply.error
    assert reply.result is not None
    return reply.result


async def refused(store: MemoryEventStore, name: str, payload: dict[str, Any]) -> tuple[int, list[str]]:
    head = await store.head()
    reply = await send(store, name, payload)
    assert not reply.ok and reply.error is not None
    assert await store.head() == head, "a refused command must store nothing"
    return status_for(reply.error.code), [e["path"] for e in reply.error.errors]


async def new_event(store: MemoryEventStore, **fields: Any) -> dict[str, Any]:
    return await ok(store, "CreatePromotion", {"name": "Winter", "periodStart": START, "periodEnd": END} | fields)


async def new_reward(store: MemoryEventStore) -> dict[str, Any]:
    return await ok(store, "CreateReward", {"rewardType": "point", "fields": {"name": "100P", "points": 100}})


async def test_create_event_answers_the_event_shape_with_its_rule() -> None:
    store = MemoryEventStore()
    event = await new_event(store, rewardCondition=RULE, description="d")
    assert event == {"id": event["id"], "name": "Winter", "description": "d", "periodStart": "2026-12-01T00:00:00.000Z",
                     "periodEnd": "2026-12-08T00:00:00.000Z", "status": "ACTIVE", "rewardCondition": RULE,
                     "createdBy": "op-1", "createdAt": event["createdAt"], "updatedAt": event["createdAt"]}


async def test_a_retried_create_stores_the_event_once() -> None:
    store = MemoryEventStore()
    body = {"name": "Once", "periodStart": START}
    first = await send(store, "CreatePromotion", body, command_id="same")
    again = await send(store, "CreatePromotion", body, command_id="same")
    assert first.result == again.result and await store.head() == 1


async def test_a_create_retried_on_another_replica_stores_once_and_answers_the_first_result() -> None:
    """A creation is appended without reading the stream first (its id is new); a retry that reaches a replica
    whose desk never saw the promotion must still find the stored commit and answer it, even after a change."""
    store = MemoryEventStore()
    body = {"name": "Once", "periodStart": START}
    first = await send(store, "CreatePromotion", body, command_id="same")
    assert first.result is not None
    await ok(store, "DeactivatePromotion", {"eventId": first.result["id"]})
    desk_of(store)._cache.clear()  # another replica: it has never loaded this promotion
    again = await send(store, "CreatePromotion", body, command_id="same")
    assert again.ok and again.result is not None
    assert again.result["id"] == first.result["id"] and await store.head() == 2
    assert again.result["status"] == "INACTIVE"  # the stream as stored now, as a retried update answers too


@pytest.mark.parametrize(("body", "path"), [
    ({"name": "", "periodStart": START}, "/name"),
    ({"name": "   ", "periodStart": START}, "/name"),  # empty once trimmed
    ({"name": "x" * 201, "periodStart": START}, "/name"),
    ({"name": 5, "periodStart": START}, "/name"),
    ({"name": "n"}, "/periodStart"),
    ({"name": "n", "periodStart": "2026-12-01T00:00:00"}, "/periodStart"),
    ({"name": "n", "periodStart": START, "periodEnd": START}, "/periodEnd"),
    ({"name": "n", "periodStart": START, "status": "DRAFT"}, "/status"),
    ({"name": "n", "periodStart": START, "description": "d" * 2001}, "/description"),
    ({"name": "n", "periodStart": START, "rewardCondition": {"all": [{"level": {"min": "3"}}]}},
     "/rewardCondition/all/0/level/min"),
    ({"name": "n", "periodStart": START, "rewardCondition": {"dance": {}}}, "/rewardCondition/dance"),
    ({"name": "n", "periodStart": START, "extra": 1}, "/extra"),
])
async def test_bad_event_fields_are_422_with_a_path_and_store_nothing(body: dict[str, Any], path: str) -> None:
    store = MemoryEventStore()
    status, paths = await refused(store, "CreatePromotion", body)
    assert status == 422 and path in paths


async def test_update_changes_only_the_given_fields_and_null_end_makes_it_open_ended() -> None:
    store = MemoryEventStore()
    event = await new_event(store, rewardCondition=RULE)
    updated = await ok(store, "UpdatePromotion", {"eventId": event["id"], "periodEnd": None, "status": "INACTIVE"})
    assert updated["periodEnd"] is None and updated["status"] == "INACTIVE"
    assert updated["name"] == "Winter" and updated["rewardCondition"] == RULE
    cleared = await ok(store, "UpdatePromotion", {"eventId": event["id"], "rewardCondition": None})
    assert cleared["rewardCondition"] is None


async def test_update_refuses_null_for_required_fields_and_a_period_it_would_empty() -> None:
    store = MemoryEventStore()
    event = await new_event(store)
    assert await refused(store, "UpdatePromotion", {"eventId": event["id"], "name": None}) == (422, ["/name"])
    moved = {"eventId": event["id"], "periodStart": END}
    assert await refused(store, "UpdatePromotion", moved) == (422, ["/periodEnd"])
    assert (await refused(store, "UpdatePromotion", {"eventId": "nope", "name": "x"}))[0] == 404


async def test_attach_answers_the_event_reward_and_refuses_a_second_attach() -> None:
    store = MemoryEventStore()
    event, reward = await new_event(store), await new_reward(store)
    body = {"eventId": event["id"], "rewardId": reward["id"], "condition": RULE, "autoResolve": True, "stock": 5}
    attached = await ok(store, "AttachReward", body)
    assert attached == {"eventId": event["id"], "rewardId": reward["id"],
                        "reward": {"id": reward["id"], "name": "100P", "type": "POINT", "points": 100},
                        "condition": RULE, "autoResolve": True, "stock": 5, "remaining": 5, "perUserLimit": 1}
    assert (await refused(store, "AttachReward", body))[0] == 409


@pytest.mark.parametrize(("fields", "status", "path"), [
    ({"rewardId": "unknown"}, 404, None),
    ({"stock": -1}, 422, "/stock"),
    ({"stock": "5"}, 422, "/stock"),
    ({"perUserLimit": 0}, 422, "/perUserLimit"),
    ({"autoResolve": "yes"}, 422, "/autoResolve"),
    ({"condition": {"invites": {"min": 1, "max": 2}}}, 422, "/condition/invites/max"),
])
async def test_bad_attach_input_is_refused_with_a_path(fields: dict[str, Any], status: int, path: str | None) -> None:
    store = MemoryEventStore()
    event, reward = await new_event(store), await new_reward(store)
    got_status, paths = await refused(store, "AttachReward", {"eventId": event["id"], "rewardId": reward["id"]}
                                      | fields)
    assert got_status == status and (path is None or path in paths)


async def test_terms_change_and_detach() -> None:
    store = MemoryEventStore()
    event, reward = await new_event(store), await new_reward(store)
    ids = {"eventId": event["id"], "rewardId": reward["id"]}
    await ok(store, "AttachReward", ids)
    changed = await ok(store, "UpdatePromotionReward", ids | {"stock": 3, "condition": {"level": {"min": 10}}})
    assert (changed["stock"], changed["remaining"], changed["condition"]) == (3, 3, {"level": {"min": 10}})
    assert (await ok(store, "DetachReward", ids))["detached"] is True
    assert (await refused(store, "DetachReward", ids))[0] == 404


@pytest.mark.parametrize(("reward_type", "fields", "status", "path"), [
    ("point", {"name": "p", "points": 0}, 422, "/points"),
    ("POINT", {"name": "p"}, 422, "/points"),
    ("item", {"name": "i", "itemId": "sword", "quantity": 0}, 422, "/quantity"),
    ("coupon", {"name": "c", "couponCode": "has space", "expiry": "2030-01-01T00:00:00Z"}, 422, "/couponCode"),
    ("coupon", {"name": "c", "couponCode": "C1", "expiry": "2001-01-01T00:00:00Z"}, 422, "/expiry"),
    ("badge", {"name": "b", "badgeId": "gold", "points": 5}, 422, "/points"),
    ("point", {"name": "  ", "points": 5}, 422, "/name"),  # empty once trimmed
    ("item", {"name": "i", "itemId": " ", "quantity": 1}, 422, "/itemId"),
    ("gem", {"name": "g"}, 404, None),
])
async def test_bad_rewards_are_refused(reward_type: str, fields: dict[str, Any], status: int,
                                       path: str | None) -> None:
    store = MemoryEventStore()
    got_status, paths = await refused(store, "CreateReward", {"rewardType": reward_type, "fields": fields})
    assert got_status == status and (path is None or path in paths)


async def test_reward_types_are_case_insensitive() -> None:
    store = MemoryEventStore()
    badge = await ok(store, "CreateReward", {"rewardType": "BaDgE", "fields": {"name": "Gold", "badgeId": "g1"}})
    assert badge["type"] == "BADGE" and badge["badgeId"] == "g1" and badge["createdBy"] == "op-1"


async def test_the_same_activity_id_is_stored_once_even_concurrently() -> None:
    store = MemoryEventStore()
    user = await ok(store, "RegisterUser", {"email": "player@example.com", "password": "player-pass-1"})
    body = {"activity": {"id": "act-1", "userId": user["id"], "kind": "login"}}
    replies = await asyncio.gather(*(send(store, "RecordActivity", body) for _ in range(10)))
    assert all(r.ok for r in replies)
    assert sorted(bool(r.result and r.result["duplicate"]) for r in replies) == [False] + [True] * 9
    events = [e for e in await store.read_all(1) if e.type == "UserActivityRecorded"]
    assert [e.stream_id for e in events] == ["Activity-act-1"]


@pytest.mark.parametrize(("activity", "path"), [
    ({"id": "a", "userId": "u", "kind": "purchase", "amount": 5}, "/currency"),
    ({"id": "a", "userId": "u", "kind": "dance"}, "/kind"),
    ({"id": "", "userId": "u", "kind": "login"}, "/id"),
    ({"id": "a", "userId": "u", "kind": "login", "amount": 0}, "/amount"),
    ({"id": "a", "userId": "u", "kind": "login", "occurredAt": "2999-01-01T00:00:00Z"}, "/occurredAt"),
    ({"id": "a", "userId": "u", "kind": "login", "occurredAt": "yesterday"}, "/occurredAt"),
    ({"id": "a", "kind": "login"}, "/userId"),
])
async def test_bad_activities_are_422_with_a_path(activity: dict[str, Any], path: str) -> None:
    store = MemoryEventStore()
    status, paths = await refused(store, "RecordActivity", {"activity": activity})
    assert status == 422 and path in paths
