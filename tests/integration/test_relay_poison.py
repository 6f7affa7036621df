"""The relay never wedges on a stored event it cannot decode: one of a known type goes out as stored (less its
private fields, marked `Ledger-Undecodable`); one of an unknown type stops the relay alone, before it, reported
once, until the stored event is fixed and the relay restarted."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from prometheus_client import REGISTRY

from base.nats_auth import ADMIN, NatsCredentials
from brokers.nats import connect_options, ensure_event_stream, make_broker
from brokers.relay import CHECKPOINTS, RELAY_ID, Relay
from commands.store.base import NewCommit
from commands.store.mapper import commit_to_doc
from commands.store.mongo import COMMITS, MongoEventStore
from domain.user import UserLoggedIn
from gateway.controllers.health import stopped_readers

pytestmark = pytest.mark.integration
STREAM = "RELAY_POISON_TEST"


async def login(store: MongoEventStore, user: str, version: int) -> None:
    await store.append(NewCommit(f"User-{user}", version, [UserLoggedIn(
        user_id=user, logged_in_at=datetime(2026, 11, 1, tzinfo=UTC))]))


async def inject(db: Any, store: MongoEventStore, type_name: str, data: dict[str, Any]) -> int:
    """A stored commit written around the store (a bad migration, a hand edit); returns its position."""
    position = await store.head() + 1
    event = {"id": uuid.uuid4().hex, "type": type_name, "schema": 1, "data": data}
    await db[COMMITS].insert_one(commit_to_doc(f"User-{uuid.uuid4().hex}", 1, position, [event], uuid.uuid4().hex,
                                               None, "someone", None, None, datetime.now(UTC)))
    return position


@pytest.fixture
async def broker(server_env: dict[str, str],
                 nats_credentials: NatsCredentials) -> AsyncIterator[tuple[NatsBroker, Any]]:
    # Admin: the relay's logic on a stream of its own, which the relay identity may not create (as in test_relay).
    admin = nats_credentials.settings_for(ADMIN, server_env["NATS_URL"])
    broker = make_broker(admin.url, **connect_options(admin))
    await broker.connect()
    nc = NatsClient()
    await nc.connect(admin.url, **nats_credentials.connect_kwargs(ADMIN))
    js = nc.jetstream()
    with contextlib.suppress(Exception):
        await js.delete_stream("REWARDS_EVENTS")  # subjects may not overlap between streams
    await ensure_event_stream(broker, STREAM)
    try:
        yield broker, js
    finally:
        await js.delete_stream(STREAM)
        await nc.close()
        await broker.stop()


async def test_a_known_type_that_does_not_decode_is_published_as_stored_without_private_fields(mongo_db, broker):
    nats, js = broker
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await login(store, "a", 0)
    bad = await inject(mongo_db, store, "UserRegistered", {"userId": "b", "email": "b@example.com",
                                                           "passwordHash": "$argon2id$secret", "roles": "USER"})
    await login(store, "a", 1)
    relay = Relay(mongo_db, store, broker=nats, stream=STREAM)
    assert await relay.step() == 3 and relay.stopped is None
    messages = await (await js.pull_subscribe("rewards.evt.>", stream=STREAM)).fetch(3, timeout=5)
    poison = messages[1]
    assert int(poison.headers["Ledger-Position"]) == bad and poison.headers["Ledger-Undecodable"] == "true"
    assert poison.subject == "rewards.evt.User.UserRegistered"
    assert b"secret" not in poison.data and b'"roles":"USER"' in poison.data.replace(b" ", b"")
    assert "Ledger-Undecodable" not in (messages[0].headers or {}) | (messages[2].headers or {})


async def test_an_unknown_type_stops_the_relay_alone_once_until_fixed_and_restarted(mongo_db, broker, caplog):
    caplog.set_level(logging.INFO, logger="ledger.relay")
    nats, js = broker
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await login(store, "a", 0)
    bad = await inject(mongo_db, store, "UserVanished", {"userId": "a"})
    await login(store, "a", 1)
    relay = Relay(mongo_db, store, broker=nats, stream=STREAM)
    assert await relay.step() == 1
    assert await relay.step() == 0 and await relay.step() == 0  # stopped: no retry, no new log line
    assert await relay.checkpoint() == bad - 1
    assert REGISTRY.get_sample_value("ledger_relay_stopped") == 1
    assert REGISTRY.get_sample_value("ledger_relay_stopped_position") == bad
    stops = [r for r in caplog.records if r.name == "ledger.relay" and r.levelno >= logging.ERROR]
    assert len(stops) == 1 and f"relay stopped before position {bad} (UserVanished" in stops[0].getMessage()
    readers = await stopped_readers(mongo_db)
    assert [(r["reader"], r["position"], r["type"]) for r in readers] == [("relay", bad, "UserVanished")]

    stored = await mongo_db[COMMITS].find_one({"position": bad})
    stored["events"][0] |= {"type": "UserLoggedIn", "data": {"userId": "a", "loggedInAt": "2026-11-01T00:00:00Z"}}
    await mongo_db[COMMITS].replace_one({"_id": stored["_id"]}, stored)
    restarted = Relay(mongo_db, store, broker=nats, stream=STREAM)
    assert await restarted.step() == 2 and restarted.stopped is None
    assert await restarted.checkpoint() == bad + 1
    assert await stopped_readers(mongo_db) == []
    assert REGISTRY.get_sample_value("ledger_relay_stopped") == 0
    assert (await js.stream_info(STREAM)).state.messages == 3
    assert (await mongo_db[CHECKPOINTS].find_one({"_id": RELAY_ID})).get("stopped") is None
