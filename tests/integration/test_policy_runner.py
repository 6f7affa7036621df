"""The policy runner inside the catch_up process kind (ops/bootstrap.py), on the real store: a reward detached from
an event has its PENDING requests rejected `REWARD_DETACHED` with nobody sending a command, once, and the runner's
checkpoint moves past the detach."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from base.nats_auth import PROJECTORS
from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.reward_requests import request_answer
from commands.store.mongo import MongoEventStore
from domain.clock import iso
from ops.bootstrap import catch_up
from projections.pointers import load_pointer
from projections.policy_runner import Policies

pytestmark = pytest.mark.integration
OPERATOR = Actor("op-1", frozenset({"OPERATOR"}))


async def ok(store: MongoEventStore, name: str, payload: dict[str, Any], actor: Actor = OPERATOR) -> dict[str, Any]:
    reply = await dispatch(name, payload, Caller(uuid.uuid4().hex, actor), store)
    assert reply.ok and reply.result is not None, reply.error
    return reply.result


async def test_the_catch_up_process_rejects_pending_requests_of_a_detached_reward(
        server_env: dict[str, str], mongo_db: Any, nats_credentials: Any) -> None:
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    now = datetime.now(UTC)
    event = await ok(store, "CreatePromotion", {"name": "W", "periodStart": iso(now - timedelta(days=1))})
    reward = await ok(store, "CreateReward", {"rewardType": "point", "fields": {"name": "100P", "points": 100}})
    await ok(store, "AttachReward", {"eventId": event["id"], "rewardId": reward["id"]})
    requested = await ok(store, "RequestReward", {"eventId": event["id"], "rewardId": reward["id"]},
                         Actor("u1", frozenset({"USER"})))
    assert requested["status"] == "PENDING"
    settings = nats_credentials.settings_for(PROJECTORS, server_env["NATS_URL"])
    try:
        async with catch_up(nats=settings):
            await ok(store, "DetachReward", {"eventId": event["id"], "rewardId": reward["id"]})
            detached_at = await store.head()

            async def decided() -> dict[str, Any]:
                """The request once decided and the runner's checkpoint past the detach."""
                while True:
                    answer = await request_answer(store, requested["id"])
                    checkpoint = (await load_pointer(mongo_db, Policies.name)).position
                    if answer["status"] != "PENDING" and checkpoint >= detached_at:
                        return answer
                    await asyncio.sleep(0.05)

            answer = await asyncio.wait_for(decided(), 30)
        rejections = [e for e in await store.read_all(1) if e.type == "RewardRequestRejected"]
    finally:
        await store.close()
    assert answer["status"] == "REJECTED" and answer["reason"] == "REWARD_DETACHED"
    assert answer["decidedBy"] is None
    assert len(rejections) == 1 and rejections[0].causation_id is not None
