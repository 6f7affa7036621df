"""Two handler replicas (two `handlers()` compositions: their own store clients and desks) hear each other's
commits over real NATS: decisions alternating between them meet no version conflict."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from base.nats_auth import HANDLERS
from commands.context import Actor, Caller
from commands.desk import desk_of
from commands.dispatch import dispatch
from domain.clock import iso
from domain.promotion import Promotion
from ops.bootstrap import handlers
from tests.waiting import until


async def send(store: Any, name: str, payload: dict[str, Any], user: str = "op",
               roles: frozenset[str] = frozenset({"OPERATOR"})) -> dict[str, Any]:
    reply = await dispatch(name, payload, Caller(uuid.uuid4().hex, Actor(user, roles)), store)
    assert reply.ok and reply.result is not None, reply.error
    return reply.result


async def test_replicas_keep_each_others_cached_promotions_current(server_env, mongo_db, nats_credentials,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDLER_QUEUE", f"q{uuid.uuid4().hex[:8]}")
    nats = nats_credentials.settings_for(HANDLERS, server_env["NATS_URL"])
    async with handlers(nats) as a, handlers(nats) as b:
        event = await send(a.store, "CreatePromotion", {"name": "W", "periodStart": iso(datetime.now(UTC) -
                                                                                          timedelta(days=1))})
        reward = await send(a.store, "CreateReward", {"rewardType": "point", "fields": {"name": "P", "points": 1}})
        ids = {"eventId": event["id"], "rewardId": reward["id"]}
        await send(a.store, "AttachReward", {**ids, "perUserLimit": 100, "autoResolve": True})
        desk_a, desk_b = desk_of(a.store), desk_of(b.store)
        await desk_b.current(Promotion, event["id"])  # B has it cached, at the version A stored
        for n in range(10):
            store, other = (a.store, desk_b) if n % 2 == 0 else (b.store, desk_a)
            await send(store, "RequestReward", ids, user=f"u{n}", roles=frozenset({"USER"}))
            version = (await desk_of(store).current(Promotion, event["id"])).version
            await until(lambda o=other, v=version: o._cache[Promotion.stream_id(event["id"])].version == v,
                        "the other replica to learn the commit")
        stream = await a.store.read_stream(Promotion.stream_id(event["id"]))
        assert len([e for e in stream if e.type == "RewardGranted"]) == 10
        assert not desk_a._behind and not desk_b._behind
