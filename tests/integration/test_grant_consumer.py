"""The downstream grant consumer (brokers/grant_consumer.py) on real NATS/JetStream, fed by the real relay from the
store, connected as the `game-server` identity: grants arrive in store order, and across a restart and a crash
between applying and acknowledging each grant is applied exactly once on the game server's side."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from base.nats_auth import GAME_SERVER, RELAY, event_stream_name
from brokers.grant_consumer import DURABLE, GAME_GRANTS, GrantConsumer
from brokers.nats import connect_options, ensure_event_stream, make_broker
from brokers.relay import Relay
from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.reward_request import RewardGranted
from domain.user import UserLoggedIn
from tests.integration.conftest import _delete_event_stream

pytestmark = pytest.mark.integration
STREAM = event_stream_name()
#: Short, so a grant left unacknowledged by a "crashed" consumer comes back soon; a slow machine that misses it
#: only gets more redeliveries, which the consumer must (and the test checks it does) de-duplicate anyway.
ACK_WAIT = 1.0


class Died(BaseException):
    """The process ended between applying a grant and acknowledging it."""


class Recording(GrantConsumer):
    """The consumer, noting what it was handed and whether it applied it; `dies_after`: end after that many."""

    def __init__(self, js: Any, db: Any, dies_after: int | None = None) -> None:
        super().__init__(js, db, STREAM, ack_wait=ACK_WAIT)
        self.handed: list[tuple[int, bool]] = []
        self.dies_after = dies_after

    async def apply(self, message: Msg) -> bool:
        applied = await super().apply(message)
        self.handed.append((json.loads(message.data)["position"], applied))
        if self.dies_after is not None and len(self.handed) >= self.dies_after:
            raise Died
        return applied


class Feed:
    """The store, the relay on the platform's stream, and game-server connections to consume it."""

    def __init__(self, db: Any, store: MongoEventStore, relay: Relay, url: str, login: Any) -> None:
        self.db, self.store, self.relay, self.url, self.login = db, store, relay, url, login
        self.version = 0

    async def grant(self, count: int) -> list[int]:
        """Store `count` grants (each after an unrelated event the consumer must skip) and relay them; returns
        the grants' positions."""
        positions = []
        for _ in range(count):
            await self.store.append(NewCommit(f"User-{uuid.uuid4().hex}", 0, [UserLoggedIn(
                user_id="u", logged_in_at=datetime.now(UTC))]))
            result = await self.store.append(NewCommit("Event-p1", self.version, [RewardGranted(
                request_id=uuid.uuid4().hex, promotion_id="p1", reward_id="r1", user_id="u1",
                reward={"id": "r1", "type": "POINT", "name": "100P", "points": 100}, granted_at=datetime.now(UTC))]))
            self.version = result.version
            positions.append(result.position)
        while await self.relay.step():
            pass
        return positions

    async def consumer(self, dies_after: int | None = None) -> tuple[Recording, NatsClient]:
        nc = NatsClient()
        await nc.connect(self.url, **self.login(GAME_SERVER))
        return Recording(nc.jetstream(), self.db, dies_after), nc

    async def applied(self) -> list[int]:
        return [d["position"] async for d in self.db[GAME_GRANTS].find({}).sort("position", 1)]


async def until(step: Callable[[], Awaitable[Any]], done: Callable[[], Awaitable[bool]]) -> None:
    async def loop() -> None:
        await step()
        while not await done():
            await step()

    await asyncio.wait_for(loop(), 30)


@pytest.fixture
async def feed(server_env: dict[str, str], mongo_db: Any, nats_credentials: Any) -> AsyncIterator[Feed]:
    url = server_env["NATS_URL"]
    settings = nats_credentials.settings_for(RELAY, url)
    broker = make_broker(url, **connect_options(settings))
    await broker.connect()
    await ensure_event_stream(broker, STREAM)
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    try:
        yield Feed(mongo_db, store, Relay(mongo_db, store, broker, STREAM), url, nats_credentials.connect_kwargs)
    finally:
        await store.close()
        await broker.stop()
        await _delete_event_stream(url, nats_credentials)


async def settled(nc: NatsClient) -> bool:
    """Nothing left for the durable consumer: every grant delivered and acknowledged."""
    info = await nc.jetstream().consumer_info(STREAM, DURABLE)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def run_until_settled(feed: Feed) -> Any:
    """A new consumer instance, run until it has nothing left, then closed; returns it (what it was handed)."""
    consumer, nc = await feed.consumer()
    try:
        await until(consumer.step, lambda: settled(nc))
    finally:
        await consumer.close()
        await nc.close()
    return consumer


async def test_grants_are_applied_in_store_order_once_across_a_restart(feed: Feed) -> None:
    first_batch = await feed.grant(4)
    consumer = await run_until_settled(feed)
    assert consumer.handed == [(p, True) for p in first_batch]

    second_batch = await feed.grant(3)  # stored and published while no consumer runs
    restarted = await run_until_settled(feed)
    assert restarted.handed == [(p, True) for p in second_batch]  # resumed after the last acknowledged grant
    assert await feed.applied() == first_batch + second_batch


async def test_a_grant_redelivered_after_a_crash_before_its_ack_is_not_applied_again(feed: Feed) -> None:
    positions = await feed.grant(3)
    dying, nc = await feed.consumer(dies_after=2)
    with pytest.raises(Died):
        await dying.step()
    await nc.close()  # gone without acknowledging the second grant (nor the third, handed over in the same batch)
    assert dying.handed == [(positions[0], True), (positions[1], True)]

    restarted = await run_until_settled(feed)
    assert (positions[1], False) in restarted.handed  # redelivered, recognised by its event id
    assert (positions[2], True) in restarted.handed
    assert positions[0] not in [p for p, _ in restarted.handed]  # acknowledged before the crash
    assert await feed.applied() == positions
