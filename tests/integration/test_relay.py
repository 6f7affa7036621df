"""The relay publishes every event to JetStream in store order, at least once; re-publishing after a crash that lost
the checkpoint is de-duplicated by Nats-Msg-Id, so subscribers see each event once."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient

from base.nats_auth import ADMIN
from brokers.nats import connect_options, ensure_event_stream, make_broker
from brokers.relay import CHECKPOINTS, RELAY_ID, Relay
from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.user import UserLoggedIn

pytestmark = pytest.mark.integration
STREAM = "RELAY_TEST"


async def append_logins(store: MongoEventStore, user: str, start_version: int, count: int) -> None:
    for i in range(count):
        event = UserLoggedIn(user_id=user, logged_in_at=datetime(2026, 11, 1, tzinfo=UTC))
        await store.append(NewCommit(f"User-{user}", start_version + i, [event]))


async def test_relay_resumes_from_checkpoint_and_jetstream_drops_duplicates(server_env, mongo_db, monkeypatch,
                                                                             nats_credentials):
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    # Admin: this checks the relay's logic on a stream of its own, which the relay identity may not create.
    admin = nats_credentials.settings_for(ADMIN, server_env["NATS_URL"])
    broker = make_broker(admin.url, **connect_options(admin))
    await broker.connect()
    nc = NatsClient()
    await nc.connect(server_env["NATS_URL"], **nats_credentials.connect_kwargs(ADMIN))
    js = nc.jetstream()
    with contextlib.suppress(Exception):
        await js.delete_stream("REWARDS_EVENTS")  # subjects may not overlap between streams
    try:
        await ensure_event_stream(broker, STREAM)
        relay = Relay(mongo_db, store, broker, STREAM)
        await append_logins(store, "a", 0, 5)
        assert await relay.step() == 5
        # A crash after publishing 3..5 but before saving the checkpoint: the relay restarts from position 2.
        await mongo_db[CHECKPOINTS].update_one({"_id": RELAY_ID}, {"$set": {"position": 2}})
        await append_logins(store, "a", 5, 3)
        restarted = Relay(mongo_db, store, broker, STREAM)
        assert await restarted.step() == 6
        assert await restarted.step() == 0
        assert await restarted.checkpoint() == 8

        info = await js.stream_info(STREAM)
        assert info.state.messages == 8
        sub = await js.pull_subscribe("rewards.evt.>", stream=STREAM)
        messages = await sub.fetch(8, timeout=5)
        assert [int(m.headers["Ledger-Position"]) for m in messages] == list(range(1, 9))
        assert all(m.subject == "rewards.evt.User.UserLoggedIn" for m in messages)
        events = await store.read_all(1)
        assert [m.headers["Nats-Msg-Id"] for m in messages] == [e.event_id for e in events]
    finally:
        await js.delete_stream(STREAM)
        await nc.close()
        await broker.stop()
