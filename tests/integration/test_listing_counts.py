"""Listing totals folded by the projections (projections/counts.py) equal the count of the same filter, whatever
happened and however the events were folded: in any batching, after a crash that folded a prefix once already, and
after a replay. A listing answers them as its `total`; a collection folded before counters existed counts instead."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store.mongo import MongoEventStore
from projections import counts, events, reward_requests
from projections.paging import Paging, count
from projections.pointers import load_pointer
from projections.registry import all_projections
from projections.replay import replay
from tests.integration.test_reward_requests_http import fold_after_crash, promotion_in_own_database, send

pytestmark = pytest.mark.integration
FOLDED = [({}, counts.ALL), *(({"status": s}, counts.status_key(s)) for s in (
    "ACTIVE", "INACTIVE", "PENDING", "APPROVED", "REJECTED"))]
crashes = st.tuples(st.integers(1, 9), st.integers(0, 25))  # (batch size, events folded once before the crash)


async def assert_counters_count(coll: Any) -> None:
    for query, key in FOLDED:
        assert await counts.counted(coll, key) == await count(coll, query), key


async def assert_replay_counts_alike(db: Any, store: MongoEventStore, name: str) -> None:
    await replay(db, store, all_projections()[name], drop_after=0)
    rebuilt = db[(await load_pointer(db, name)).collection]
    await assert_counters_count(rebuilt)
    assert set(await db.list_collection_names()) >= {rebuilt.name, counts.companion(rebuilt.name)}


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(decisions=st.lists(st.sampled_from(["APPROVED", "REJECTED", None]), min_size=1, max_size=8),
       auto=st.booleans(), crash=crashes)
async def test_request_totals_are_counted_once_in_any_batching_after_a_crash(mongo_db, decisions, auto,
                                                                             crash) -> None:
    db, store, ids = await promotion_in_own_database(mongo_db, stock=3, perUserLimit=2, autoResolve=auto)
    for n, decision in enumerate(decisions):
        reply = await dispatch("RequestReward", ids, Caller(uuid.uuid4().hex, Actor(f"u{n % 4}", frozenset({"USER"}))),
                               store)
        if reply.ok and reply.result and decision and reply.result["status"] == "PENDING":
            await send(store, "DecideRewardRequest", {"requestId": reply.result["id"], "status": decision})

    _, coll, _ = await fold_after_crash(db, store, "reward_requests", *crash)

    await assert_counters_count(coll)
    page = await reward_requests.find_page(coll, reward_requests.RequestFilters(), Paging(1, 2))
    assert page["total"] == await count(coll, {})
    await assert_replay_counts_alike(db, store, "reward_requests")
    await store.close()
    await mongo_db.client.drop_database(db.name)


promotion_ops = st.lists(st.one_of(st.tuples(st.just("CreatePromotion"), st.sampled_from(["ACTIVE", "INACTIVE"])),
                                   st.tuples(st.sampled_from(["ActivatePromotion", "DeactivatePromotion"]),
                                             st.integers(0, 3))), min_size=1, max_size=15)


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=promotion_ops, crash=crashes)
async def test_event_totals_are_counted_once_in_any_batching_after_a_crash(mongo_db, ops, crash) -> None:
    db = mongo_db.client[f"ec{uuid.uuid4().hex[:12]}"]
    store = MongoEventStore(db)
    await store.ensure_indexes()
    made: list[str] = []
    for name, arg in ops:
        if name == "CreatePromotion":
            made.append((await send(store, name, {"name": "E", "periodStart": "2026-12-01T00:00:00Z",
                                                  "status": arg}))["id"])
        elif made:  # activating an active promotion records nothing: the counters must not move either
            await send(store, name, {"eventId": made[arg % len(made)]})

    _, coll, _ = await fold_after_crash(db, store, "events", *crash)

    await assert_counters_count(coll)
    page = await events.find_page(coll, events.EventFilters(status=events.PromotionStatus.ACTIVE), Paging(1, 2))
    assert page["total"] == await count(coll, {"status": "ACTIVE"})
    await assert_replay_counts_alike(db, store, "events")
    await store.close()
    await mongo_db.client.drop_database(db.name)


async def test_a_collection_folded_before_counters_existed_counts_its_totals(mongo_db) -> None:
    coll = mongo_db[f"rr{uuid.uuid4().hex[:10]}"]
    await coll.insert_one({"_id": "r1", "userId": "u1", "eventId": "e1", "rewardId": "w1", "status": "PENDING",
                           "requestedAt": "2026-12-01T00:00:00.000Z", "evaluation": None, "_pos": 1})
    await reward_requests.RewardRequestsProjection().create_indexes(coll)  # not empty: counters not started

    assert await counts.counted(coll, counts.ALL) is None
    assert (await reward_requests.find_page(coll, reward_requests.RequestFilters(), Paging(1, 1)))["total"] == 1
