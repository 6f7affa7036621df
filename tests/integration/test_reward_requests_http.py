"""Reward requests over HTTP, through NATS, the handlers, the store and the read models: requesting, autoResolve,
operator decisions, stock, who sees which request, and bad input refused with nothing stored; and the
reward_requests read model folded in any batching, after a crash, and replayed, as the domain renders requests."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store.mongo import MongoEventStore
from domain.events import DomainEvent, RecordedEvent
from domain.reward_request import request_document_of
from projections.pointers import load_pointer
from projections.registry import all_projections
from projections.replay import replay
from tests.integration.test_events_rewards import at, create_event, read

pytestmark = pytest.mark.integration
REQUEST_FIELDS = {"id", "userId", "eventId", "rewardId", "status", "reason", "requestedAt", "decidedBy", "decidedAt",
                  "evaluation", "grant"}
LOGIN_ONCE = {"login_days": {"min": 1}}


async def offer(platform: Any, operator: dict[str, str], event_id: str, **terms: Any) -> str:
    """A new 100-point reward attached to the event with `terms`; its id."""
    made = await platform.client.post("/rewards/point", json={"name": "100P", "points": 100}, headers=operator)
    assert made.status_code == 201, made.text
    attached = await platform.client.post(f"/events/{event_id}/rewards", json={"rewardId": made.json()["id"], **terms},
                                          headers=operator)
    assert attached.status_code == 201, attached.text
    return str(made.json()["id"])


async def request_reward(platform: Any, headers: dict[str, str], event_id: str, reward_id: str,
                         expect: int = 201, **params: Any) -> Any:
    response = await platform.client.post(f"/events/{event_id}/request-reward", json={"rewardId": reward_id},
                                          headers=headers, params=params)
    assert response.status_code == expect, response.text
    return response


async def decide(platform: Any, headers: dict[str, str], request_id: str, body: dict[str, Any],
                 expect: int = 200) -> Any:
    response = await platform.client.patch(f"/reward-requests/{request_id}", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response


async def login(platform: Any, operator: dict[str, str], user_id: str) -> str:
    """A login activity of the user now; the Ledger-Position of its answer."""
    body = {"id": uuid.uuid4().hex, "userId": user_id, "kind": "login"}
    response = await platform.client.post("/activities", json=body, headers=operator)
    assert response.status_code == 202, response.text
    return str(response.headers["Ledger-Position"])


async def remaining(platform: Any, headers: dict[str, str], event_id: str, reward_id: str, position: str) -> Any:
    listed = await read(platform, f"/events/{event_id}/rewards", headers, position)
    return next(r["remaining"] for r in listed["items"] if r["rewardId"] == reward_id)


async def test_a_pending_request_is_shown_to_its_owner_and_readers_and_decided_once(platform, auth) -> None:
    operator_user, user, other = await auth.user("OPERATOR"), await auth.user(), await auth.user()
    operator, auditor = operator_user.headers, await auth.headers("AUDITOR")
    event = await create_event(platform, operator, rewardCondition=LOGIN_ONCE)
    reward_id = await offer(platform, operator, event["id"], stock=3)

    answer = await request_reward(platform, user.headers, event["id"], reward_id)
    created, position = answer.json(), answer.headers["Ledger-Position"]
    assert set(created) == REQUEST_FIELDS
    assert (created["userId"], created["eventId"], created["rewardId"], created["status"]) == (
        user.id, event["id"], reward_id, "PENDING")
    assert created["evaluation"]["eligible"] is False and created["evaluation"]["facts"] == {"login_days": 0}
    assert created["evaluation"]["explanation"]["kind"] == "login_days"
    assert (created["reason"], created["decidedBy"], created["decidedAt"], created["grant"]) == (None,) * 4
    detail = f"/reward-requests/{created['id']}"
    assert await read(platform, detail, user.headers, position) == created
    assert await read(platform, detail, auditor, position) == created
    hidden = await platform.client.get(detail, headers=other.headers, params={"minPosition": position})
    assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("application/problem+json")
    assert await read(platform, "/reward-requests", user.headers, position) == {
        "items": [created], "total": 1, "page": 1, "limit": 20}
    await request_reward(platform, user.headers, event["id"], reward_id, expect=409)  # perUserLimit 1

    approved = await decide(platform, operator, created["id"], {"status": "APPROVED", "reason": "looks fine"})
    decided = approved.json()
    assert (decided["status"], decided["reason"], decided["decidedBy"]) == ("APPROVED", "looks fine", operator_user.id)
    assert decided["decidedAt"] and decided["grant"]["reward"]["points"] == 100
    assert decided["evaluation"] == created["evaluation"]  # the decision keeps what the request saw
    position = approved.headers["Ledger-Position"]
    assert await read(platform, detail, user.headers, position) == decided
    assert await remaining(platform, user.headers, event["id"], reward_id, position) == 2
    again = await decide(platform, operator, created["id"], {"status": "REJECTED"}, expect=409)
    assert again.json()["errors"][0]["path"] == "/status"
    await decide(platform, operator, "no-such-request", {"status": "APPROVED"}, expect=404)
    await decide(platform, user.headers, created["id"], {"status": "REJECTED"}, expect=403)


async def test_auto_resolve_rejects_naming_the_leaf_approves_on_fresh_facts_and_runs_out(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    users = [await auth.user() for _ in range(3)]
    event = await create_event(platform, operator)
    reward_id = await offer(platform, operator, event["id"], condition=LOGIN_ONCE, autoResolve=True, stock=1)

    rejected = (await request_reward(platform, users[0].headers, event["id"], reward_id)).json()
    assert rejected["status"] == "REJECTED" and rejected["grant"] is None and rejected["decidedBy"] is None
    assert rejected["reason"] == "CONDITION_NOT_MET: login_days (min 1, consecutive false): saw 0"

    # The activity's Ledger-Position as minPosition: the decision must see the login just recorded.
    seen = await login(platform, operator, users[1].id)
    approved = await request_reward(platform, users[1].headers, event["id"], reward_id, minPosition=seen)
    assert approved.json()["status"] == "APPROVED" and approved.json()["evaluation"]["facts"] == {"login_days": 1}
    assert approved.json()["grant"]["reward"]["id"] == reward_id
    assert await remaining(platform, operator, event["id"], reward_id, approved.headers["Ledger-Position"]) == 0

    seen = await login(platform, operator, users[2].id)
    late = (await request_reward(platform, users[2].headers, event["id"], reward_id, minPosition=seen)).json()
    assert (late["status"], late["reason"], late["evaluation"]["eligible"]) == ("REJECTED", "OUT_OF_STOCK", True)


async def test_an_approval_without_stock_left_is_rejected_out_of_stock(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    event = await create_event(platform, operator)
    reward_id = await offer(platform, operator, event["id"], stock=1)
    first, second = [(await request_reward(platform, await auth.headers(), event["id"], reward_id)).json()
                     for _ in range(2)]
    assert (await decide(platform, operator, first["id"], {"status": "APPROVED"})).json()["status"] == "APPROVED"
    answer = await decide(platform, operator, second["id"], {"status": "APPROVED"})
    assert (answer.json()["status"], answer.json()["reason"], answer.json()["grant"]) == (
        "REJECTED", "OUT_OF_STOCK", None)
    assert await remaining(platform, operator, event["id"], reward_id, answer.headers["Ledger-Position"]) == 0
    rejected = await decide(platform, operator, first["id"], {"status": "REJECTED"}, expect=409)
    assert rejected.json()["status"] == 409


async def test_requests_are_refused_outside_an_active_period_and_for_unknown_things(platform, auth) -> None:
    operator, user = await auth.headers("OPERATOR"), await auth.headers()
    live = await create_event(platform, operator)
    inactive = await create_event(platform, operator, status="INACTIVE")
    future = await create_event(platform, operator, periodStart=at(2), periodEnd=at(3))
    reward_id = await offer(platform, operator, live["id"])
    for event in (inactive, future):
        await offer(platform, operator, event["id"])
    store = MongoEventStore(platform.db)
    head = await store.head()

    for event in (inactive, future):
        attached = (await read(platform, f"/events/{event['id']}/rewards", user, head))["items"][0]["rewardId"]
        refused = await request_reward(platform, user, event["id"], attached, expect=400)
        assert refused.headers["content-type"].startswith("application/problem+json")
    await request_reward(platform, user, "no-such-event", reward_id, expect=404)
    not_attached = await offer(platform, operator, future["id"])
    head = await store.head()
    await request_reward(platform, user, live["id"], not_attached, expect=404)
    url = f"/events/{live['id']}/request-reward"
    for body, path in [({"rewardId": reward_id, "userId": "someone-else"}, "/userId"), ({}, "/rewardId"),
                       ({"rewardId": ""}, "/rewardId"), ({"rewardId": 7}, "/rewardId")]:
        bad = await platform.client.post(url, json=body, headers=user)
        assert bad.status_code == 422, bad.text
        assert [e["path"] for e in bad.json()["errors"]] == [path]
    bad_position = await platform.client.post(url, json={"rewardId": reward_id}, headers=user,
                                              params={"minPosition": -1})
    assert bad_position.status_code == 400 and bad_position.json()["errors"][0]["path"] == "/minPosition"
    operator_only = await platform.client.post(url, json={"rewardId": reward_id}, headers=operator)
    assert operator_only.status_code == 403  # requesting is a USER's; an operator account without USER may not
    assert await store.head() == head  # nothing stored
    assert (await read(platform, "/reward-requests", operator, head))["total"] == 0
    await store.close()


async def test_bad_decisions_are_refused_with_a_path_and_store_nothing(platform, auth) -> None:
    operator, user = await auth.headers("OPERATOR"), await auth.headers()
    event = await create_event(platform, operator)
    reward_id = await offer(platform, operator, event["id"])
    created = (await request_reward(platform, user, event["id"], reward_id)).json()
    store = MongoEventStore(platform.db)
    head = await store.head()
    for body, path in [({"status": "PENDING"}, "/status"), ({"status": "approved"}, "/status"), ({}, "/status"),
                       ({"status": "REJECTED", "reason": "x" * 501}, "/reason"),
                       ({"status": "REJECTED", "reason": "   "}, "/reason"),
                       ({"status": "REJECTED", "requestId": "other"}, "/requestId")]:
        bad = await decide(platform, operator, created["id"], body, expect=422)
        assert [e["path"] for e in bad.json()["errors"]] == [path], body
    assert await store.head() == head
    await store.close()
    shown = await read(platform, f"/reward-requests/{created['id']}", user, head)
    assert shown["status"] == "PENDING"
    rejected = (await decide(platform, operator, created["id"], {"status": "REJECTED", "reason": "x" * 500})).json()
    assert (rejected["status"], rejected["reason"], rejected["grant"]) == ("REJECTED", "x" * 500, None)


async def test_listing_filters_newest_first_and_a_user_sees_only_their_own(platform, auth) -> None:
    operator, auditor = await auth.headers("OPERATOR"), await auth.headers("AUDITOR")
    alice, bob = await auth.user(), await auth.user()
    first, second = await create_event(platform, operator), await create_event(platform, operator)
    reward_a, reward_b = await offer(platform, operator, first["id"]), await offer(platform, operator, first["id"])
    reward_c = await offer(platform, operator, second["id"], autoResolve=True)
    made = [(await request_reward(platform, who.headers, event["id"], reward)).json()
            for who, event, reward in [(alice, first, reward_a), (bob, first, reward_a), (alice, first, reward_b),
                                       (bob, second, reward_c)]]
    last = await decide(platform, operator, made[0]["id"], {"status": "REJECTED"})
    position = last.headers["Ledger-Position"]

    async def ids(headers: dict[str, str], **params: Any) -> list[str]:
        page = await read(platform, "/reward-requests", headers, position, **params)
        assert page["total"] == len(page["items"])
        return [r["id"] for r in page["items"]]

    newest_first = [r["id"] for r in reversed(made)]
    assert await ids(operator) == newest_first and await ids(auditor) == newest_first
    assert await ids(operator, eventId=first["id"]) == newest_first[1:]
    assert await ids(operator, rewardId=reward_a) == [made[1]["id"], made[0]["id"]]
    assert await ids(operator, status="PENDING") == [made[2]["id"], made[1]["id"]]
    assert await ids(operator, status="APPROVED") == [made[3]["id"]]
    assert await ids(operator, status="REJECTED", userId=alice.id) == [made[0]["id"]]
    assert await ids(auditor, userId=bob.id, eventId=first["id"]) == [made[1]["id"]]
    assert await ids(alice.headers) == [made[2]["id"], made[0]["id"]]
    assert await ids(alice.headers, userId=bob.id) == [made[2]["id"], made[0]["id"]]  # forced to the caller
    assert await ids(bob.headers, status="APPROVED") == [made[3]["id"]]
    page = await read(platform, "/reward-requests", operator, position, page=2, limit=3)
    assert [r["id"] for r in page["items"]] == [made[0]["id"]] and page["total"] == 4
    for params, name in [({"status": "DONE"}, "status"), ({"limit": 0}, "limit"), ({"eventId": ""}, "eventId")]:
        bad = await platform.client.get("/reward-requests", headers=operator, params=params)
        assert bad.status_code == 400, bad.text
        assert [e["path"] for e in bad.json()["errors"]] == [f"/{name}"]
    assert (await platform.client.get("/reward-requests")).status_code == 401


async def send(store: MongoEventStore, name: str, payload: dict[str, Any], user: str = "op",
               roles: frozenset[str] = frozenset({"OPERATOR"})) -> dict[str, Any]:
    reply = await dispatch(name, payload, Caller(uuid.uuid4().hex, Actor(user, roles)), store)
    assert reply.ok and reply.result is not None, reply.error
    return reply.result


async def promotion_in_own_database(mongo_db: Any, **terms: Any) -> tuple[Any, MongoEventStore, dict[str, str]]:
    """A database of the test's own with a promotion and a reward attached on `terms`: (db, store, ids)."""
    db = mongo_db.client[f"rr{uuid.uuid4().hex[:12]}"]
    store = MongoEventStore(db)
    await store.ensure_indexes()
    event = await send(store, "CreatePromotion", {"name": "W", "periodStart": at(-1), "periodEnd": at(6)})
    reward = await send(store, "CreateReward", {"rewardType": "point", "fields": {"name": "100P", "points": 100}})
    ids = {"eventId": event["id"], "rewardId": reward["id"]}
    await send(store, "AttachReward", {**ids, **terms})
    return db, store, ids


async def fold_after_crash(db: Any, store: MongoEventStore, name: str, batch: int,
                           crash_after: int) -> tuple[Any, Any, list[RecordedEvent]]:
    """Fold the store into read model `name` as a runner would after a crash: the first `crash_after` events once
    before, then everything in batches of `batch`, then everything once more. Returns (projection, collection,
    the events it handles)."""
    projection = all_projections()[name]
    coll = db[(await load_pointer(db, projection.name)).collection]
    await projection.create_indexes(coll)
    recorded = [e for e in await store.read_all(1, 10_000) if e.type in projection.handles]
    for e in recorded[:crash_after]:  # folded once before a crash lost the checkpoint
        await projection.apply(coll, e)
    for start in range(0, len(recorded), batch):
        await projection.apply_batch(coll, recorded[start:start + batch])
    await projection.apply_batch(coll, recorded)  # everything once more: a no-op
    return projection, coll, recorded


async def folds_and_replays_as_rendered(db: Any, store: Any, batch: int, crash_after: int) -> list[dict[str, Any]]:
    """Fold the reward_requests read model in `batch`es after a crash that folded `crash_after` events, check it
    holds exactly the domain's rendering of each request and that a replay builds the same; the live documents."""
    projection, coll, recorded = await fold_after_crash(db, store, "reward_requests", batch, crash_after)
    by_request: dict[str, list[DomainEvent]] = defaultdict(list)
    for e in recorded:
        by_request[e.event.request_id].append(e.event)  # type: ignore[attr-defined]
    live = [doc async for doc in coll.find().sort("_id", 1)]
    assert [{k: v for k, v in doc.items() if k != "_pos"} for doc in live] == [
        request_document_of(events) for _, events in sorted(by_request.items())]
    await replay(db, store, projection, drop_after=0)
    ptr = await load_pointer(db, projection.name)
    assert [doc async for doc in db[ptr.collection].find().sort("_id", 1)] == live
    return live


@pytest.mark.parametrize(("batch", "crash_after"), [(1, 0), (2, 3), (3, 7), (1000, 5)])
async def test_the_read_model_folds_any_batching_after_a_crash_and_replays_as_the_domain_renders(
        mongo_db, batch, crash_after) -> None:
    db, store, ids = await promotion_in_own_database(mongo_db, stock=2, perUserLimit=3)
    made = [await send(store, "RequestReward", ids, user=f"u{n % 2}", roles=frozenset({"USER"})) for n in range(5)]
    for request, status in zip(made, ["APPROVED", "REJECTED", "APPROVED", "APPROVED"], strict=False):
        await send(store, "DecideRewardRequest", {"requestId": request["id"], "status": status})

    live = await folds_and_replays_as_rendered(db, store, batch, crash_after)
    status = {doc["_id"]: doc["status"] for doc in live}
    assert [status[r["id"]] for r in made] == [
        "APPROVED", "REJECTED", "APPROVED", "REJECTED", "PENDING"]  # the fourth approval found no stock
    await store.close()
    await mongo_db.client.drop_database(db.name)


@pytest.mark.parametrize(("batch", "crash_after"), [(1, 0), (3, 2), (4, 5), (1000, 7)])
async def test_event_rewards_counts_every_grant_once_in_any_batching_after_a_crash(
        mongo_db, batch, crash_after) -> None:
    """Grants are counted in runs (one `$inc` per run); a run cut differently before a crash is counted exactly."""
    db, store, ids = await promotion_in_own_database(mongo_db, stock=20, perUserLimit=10, autoResolve=True)
    for n in range(6):
        await send(store, "RequestReward", ids, user=f"u{n % 2}", roles=frozenset({"USER"}))
    await send(store, "UpdatePromotionReward", {**ids, "stock": 15})
    for n in range(3):
        await send(store, "RequestReward", ids, user=f"u{n % 2}", roles=frozenset({"USER"}))

    _, coll, _ = await fold_after_crash(db, store, "event_rewards", batch, crash_after)
    [doc] = [d async for d in coll.find()]
    assert (doc["granted"], doc["stock"]) == (9, 15)


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stock=st.integers(0, 3), auto=st.booleans(), limit=st.integers(1, 3),
       decisions=st.lists(st.sampled_from(["APPROVED", "REJECTED", None]), min_size=1, max_size=7),
       batch=st.integers(1, 9), crash_after=st.integers(0, 20))
async def test_any_requests_and_decisions_fold_and_replay_as_the_domain_renders(
        mongo_db, stock, auto, limit, decisions, batch, crash_after) -> None:
    """Property: whatever was requested and decided, folded in any batching after a crash, the read model holds
    exactly the domain's rendering of each request, and a replay builds the same collection."""
    db, store, ids = await promotion_in_own_database(mongo_db, stock=stock, perUserLimit=limit, autoResolve=auto)
    for n, decision in enumerate(decisions):
        reply = await dispatch("RequestReward", ids, Caller(uuid.uuid4().hex, Actor(f"u{n % 3}", frozenset({"USER"}))),
                               store)
        if reply.ok and reply.result and decision and reply.result["status"] == "PENDING":
            await send(store, "DecideRewardRequest", {"requestId": reply.result["id"], "status": decision})
    await folds_and_replays_as_rendered(db, store, batch, crash_after)
    await store.close()
    await mongo_db.client.drop_database(db.name)
