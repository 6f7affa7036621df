"""The events, rewards, event_rewards and user_facts read models: folding in any order and any batching (with a
crash re-fold) gives the domain's answers, and replay gives exactly what live projection gave."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.activity_facts import Activity, UserFacts
from domain.activity_record import UserActivityRecorded, activity_claim
from projections.pointers import load_pointer
from projections.registry import all_projections
from projections.replay import replay
from projections.runner import ProjectionRunner
from projections.user_facts import facts_of

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
PERIODS = [(T0, None), (T0 + timedelta(days=2), T0 + timedelta(days=5)), (T0 - timedelta(days=3), T0)]
FACT_SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

activity_specs = st.lists(st.tuples(
    st.sampled_from(["u1", "u2", "u3"]),
    st.sampled_from(["login", "invite", "purchase", "checkin", "quest_completed", "level"]),
    st.integers(-2, 8),  # day offset from T0
    st.integers(1, 50),  # amount (level reached for `level`)
), min_size=1, max_size=30)


def activity_of(n: int, spec: tuple[str, str, int, int]) -> Activity:
    user, kind, day, amount = spec
    extra: dict[str, Any] = {"currency": "KRW" if amount % 2 else "USD"} if kind == "purchase" else {}
    if kind == "quest_completed":
        extra = {"quest_id": f"q{amount % 3}"}
    if kind == "login":
        amount = 1
    return Activity(id=f"a{n}", user_id=user, kind=kind, amount=amount,
                    occurred_at=T0 + timedelta(days=day, minutes=amount), **extra)


@pytest.fixture
async def fresh_db(mongo_db: Any) -> AsyncIterator[Any]:
    """A database per hypothesis example (the function-scoped fixture is shared by the examples)."""
    dbs: list[Any] = []

    def make() -> Any:
        dbs.append(mongo_db.client[f"p{uuid.uuid4().hex[:12]}"])
        return dbs[-1]

    yield make
    for db in dbs:
        await mongo_db.client.drop_database(db.name)


async def snapshot(db: Any, name: str) -> list[dict[str, Any]]:
    ptr = await load_pointer(db, name)
    return [doc async for doc in db[ptr.collection].find().sort("_id", 1)]


@FACT_SETTINGS
@given(specs=activity_specs, data=st.data(), batch=st.integers(1, 7), crash_after=st.integers(0, 10))
async def test_user_facts_fold_in_any_order_and_batching_answers_like_the_domain(fresh_db, specs, data, batch,
                                                                                 crash_after) -> None:
    activities = [activity_of(n, spec) for n, spec in enumerate(specs)]
    order = data.draw(st.permutations(activities))
    db = fresh_db()
    store = MongoEventStore(db)
    await store.ensure_indexes()
    for a in order:
        event = UserActivityRecorded(activity_id=a.id, user_id=a.user_id, kind=a.kind, amount=a.amount,
                                     currency=a.currency, quest_id=a.quest_id, occurred_at=a.occurred_at,
                                     source="nats")
        await store.append(NewCommit(f"Activity-{a.id}", 0, [event], claim=activity_claim(a.id)))
    projection = all_projections()["user_facts"]
    coll = db[(await load_pointer(db, projection.name)).collection]
    recorded = await store.read_all(1, 10_000)
    for event in recorded[:crash_after]:  # folded once before a crash lost the checkpoint
        await projection.apply(coll, event)
    for start in range(0, len(recorded), batch):
        await projection.apply_batch(coll, recorded[start:start + batch])
    await projection.apply_batch(coll, recorded)  # and everything once more: a no-op

    expected: dict[str, UserFacts] = {}
    for a in activities:
        expected.setdefault(a.user_id, UserFacts(a.user_id)).apply(a)
    docs = {doc["_id"]: doc async for doc in coll.find()}
    assert set(docs) == set(expected)
    for user, facts in expected.items():
        assert "seenIds" not in docs[user]  # `_pos` and the store's claim de-duplicate instead
        folded = facts_of(docs[user])
        assert {**folded.to_doc(), "seenIds": []} == {**facts.to_doc(), "seenIds": []}
        assert docs[user]["_pos"] == max(e.position for e in recorded if e.event.user_id == user)
        for start, end in PERIODS:
            assert folded.view(start, end) == facts.view(start, end)


event_ops = st.lists(st.one_of(
    st.tuples(st.just("CreatePromotion"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("UpdatePromotion"), st.integers(0, 3), st.integers(1, 9)),
    st.tuples(st.just("ActivatePromotion"), st.integers(0, 3)),
    st.tuples(st.just("DeactivatePromotion"), st.integers(0, 3)),
    st.tuples(st.just("CreateReward"), st.sampled_from(["point", "badge"])),
    st.tuples(st.just("AttachReward"), st.integers(0, 3), st.integers(0, 3), st.none() | st.integers(0, 9)),
    st.tuples(st.just("UpdatePromotionReward"), st.integers(0, 3), st.integers(0, 3), st.integers(0, 9)),
    st.tuples(st.just("DetachReward"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("RecordActivity"), st.sampled_from(["u1", "u2"]), st.integers(0, 5)),
), min_size=1, max_size=25)


def payload(op: tuple[Any, ...], events: list[str], rewards: list[str]) -> dict[str, Any] | None:
    """The command body for `op`, or None when it refers to an event or reward not created yet."""
    name = op[0]

    def pick(ids: list[str], i: int) -> str | None:
        return ids[i % len(ids)] if ids else None

    if name == "CreatePromotion":
        return {"name": f"E{op[1]}", "periodStart": "2026-12-01T00:00:00Z",
                "rewardCondition": {"level": {"min": op[1]}} if op[2] else None}
    if name == "CreateReward":
        fields = {"name": "P", "points": 5} if op[1] == "point" else {"name": "B", "badgeId": "b"}
        return {"rewardType": op[1], "fields": fields}
    if name == "RecordActivity":
        return {"activity": {"id": f"{op[1]}-{op[2]}", "userId": op[1], "kind": "login",
                             "occurredAt": (T0 + timedelta(days=op[2])).isoformat()}}
    event_id = pick(events, op[1])
    if event_id is None:
        return None
    if name == "UpdatePromotion":
        return {"eventId": event_id, "name": f"U{op[2]}", "periodEnd": f"2026-12-{op[2] + 10:02d}T00:00:00Z"}
    if name in ("ActivatePromotion", "DeactivatePromotion"):
        return {"eventId": event_id}
    reward_id = pick(rewards, op[2])
    if reward_id is None:
        return None
    body = {"eventId": event_id, "rewardId": reward_id}
    if name == "AttachReward":
        return body | {"stock": op[3]}
    if name == "UpdatePromotionReward":
        return body | {"stock": op[3], "condition": {"checkins": {"min": op[3]}}}
    return body


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=event_ops, crash_after=st.integers(0, 15))
async def test_replay_of_the_promotion_read_models_equals_live(fresh_db, ops, crash_after) -> None:
    db = fresh_db()
    store = MongoEventStore(db)
    await store.ensure_indexes()
    events: list[str] = []
    rewards: list[str] = []
    for op in ops:
        body = payload(op, events, rewards)
        if body is None:
            continue
        reply = await dispatch(op[0], body, Caller(uuid.uuid4().hex, Actor("op", frozenset({"OPERATOR"}))), store)
        if reply.ok and op[0] == "CreatePromotion":
            events.append(reply.result["id"])  # type: ignore[index]
        if reply.ok and op[0] == "CreateReward":
            rewards.append(reply.result["id"])  # type: ignore[index]
    for name in ("events", "rewards", "event_rewards", "user_facts"):
        projection = all_projections()[name]
        ptr = await load_pointer(db, name)
        for event in await store.read_all(1, crash_after):
            if event.type in projection.handles:
                await projection.apply(db[ptr.collection], event)
        await ProjectionRunner(db, store, projection).catch_up()
        live = await snapshot(db, name)
        await replay(db, store, projection, drop_after=0)
        assert await snapshot(db, name) == live, name
        if name in ("events", "rewards"):
            assert sorted(doc["_id"] for doc in live) == sorted(events if name == "events" else rewards)
