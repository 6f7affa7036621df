"""The relay publishes every event to JetStream in store order, at least once; re-publishing after a crash that lost
the checkpoint is de-duplicated by Nats-Msg-Id, so subscribers see each event once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from brokers.relay import CHECKPOINTS, RELAY_ID, Relay
from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.user import UserLoggedIn
from tests.waiting import until

pytestmark = pytest.mark.integration


async def append_logins(store: MongoEventStore, user: str, start_version: int, count: int) -> None:
    for i in range(count):
        event = UserLoggedIn(user_id=user, logged_in_at=datetime(2026, 11, 1, tzinfo=UTC))
        await store.append(NewCommit(f"User-{user}", start_version + i, [event]))


async def test_relay_resumes_from_checkpoint_and_jetstream_drops_duplicates(mongo_db, test_stream) -> None:
    broker, js, stream = test_stream
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    relay = Relay(mongo_db, store, broker, stream)
    await append_logins(store, "a", 0, 5)
    assert await relay.step() == 5
    # A crash after publishing 3..5 but before saving the checkpoint: the relay restarts from position 2.
    await mongo_db[CHECKPOINTS].update_one({"_id": RELAY_ID}, {"$set": {"position": 2}})
    await append_logins(store, "a", 5, 3)
    restarted = Relay(mongo_db, store, broker, stream)
    assert await restarted.step() == 6
    assert await restarted.step() == 0
    assert await restarted.checkpoint() == 8

    info = await js.stream_info(stream)
    assert info.state.messages == 8
    sub = await js.pull_subscribe("rewards.evt.>", stream=stream)
    messages = await sub.fetch(8, timeout=5)
    assert [int(m.headers["Ledger-Position"]) for m in messages] == list(range(1, 9))
    assert all(m.subject == "rewards.evt.User.UserLoggedIn" for m in messages)
    events = await store.read_all(1)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [e.event_id for e in events]


async def test_a_publish_refused_mid_batch_keeps_the_feed_in_store_order(mongo_db, test_stream) -> None:
    """The relay publishes a batch pipelined. When JetStream refuses one event in the middle (here: larger than the
    stream's message limit) the later ones, already in flight, must not land before it: the feed keeps store order
    once the cause is fixed, and nothing is published twice."""
    from nats.js.api import StreamConfig

    broker, js, stream = test_stream
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await append_logins(store, "a", 0, 2)
    relay = Relay(mongo_db, store, broker, stream)
    assert await relay.step() == 2
    info = await js.stream_info(stream)
    big = UserLoggedIn(user_id="b" * 2000, logged_in_at=datetime(2026, 11, 1, tzinfo=UTC))
    await store.append(NewCommit("User-big", 0, [big]))
    await append_logins(store, "a", 2, 3)
    limited = StreamConfig(name=stream, subjects=info.config.subjects, duplicate_window=info.config.duplicate_window,
                           max_msg_size=1500)
    await js.update_stream(limited)
    with pytest.raises(Exception):  # noqa: B017 - whatever JetStream's refusal is called, the batch fails
        await relay.step()
    assert await relay.checkpoint() == 2 and (await js.stream_info(stream)).state.messages == 2
    limited.max_msg_size = -1
    await js.update_stream(limited)
    assert await relay.step() == 4
    sub = await js.pull_subscribe("rewards.evt.>", stream=stream)
    messages = await sub.fetch(6, timeout=5)
    assert [int(m.headers["Ledger-Position"]) for m in messages] == list(range(1, 7))


async def test_the_checkpoint_is_written_when_the_relay_stops(mongo_db, test_stream) -> None:
    """The relay writes its checkpoint at most once a second while busy; stopping it writes where it is, so a
    restart does not publish again what it had published (it would be dropped, but it costs)."""
    import asyncio

    broker, _, stream = test_stream
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    relay = Relay(mongo_db, store, broker, stream)
    await append_logins(store, "a", 0, 1)
    task = asyncio.create_task(relay.run_forever(asyncio.Event()))
    for version in range(1, 6):  # published one by one, each within a second of the one before
        await append_logins(store, "a", version, 1)
        await until(lambda v=version: (relay._position or 0) >= v + 1, f"the relay to publish position {version + 1}")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await mongo_db[CHECKPOINTS].find_one({"_id": RELAY_ID}))["position"] == 6
