"""The relay never wedges on a stored event it cannot decode: one of a known type goes out as stored (less its
private fields, marked `Ledger-Undecodable`); one of an unknown type stops the relay alone, before it, reported
once, until the stored event is fixed and the relay restarted."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY

from brokers.relay import CHECKPOINTS, RELAY_ID, Relay
from commands.store.base import NewCommit
from commands.store.mapper import commit_to_doc
from commands.store.mongo import COMMITS, MongoEventStore
from domain.user import UserLoggedIn
from gateway.controllers.health import stopped_readers

pytestmark = pytest.mark.integration


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


async def test_a_known_type_that_does_not_decode_is_published_as_stored_without_private_fields(mongo_db, test_stream):
    nats, js, stream = test_stream
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await login(store, "a", 0)
    bad = await inject(mongo_db, store, "UserRegistered", {"userId": "b", "email": "b@example.com",
                                                           "passwordHash": "$argon2id$secret", "roles": "USER"})
    await login(store, "a", 1)
    relay = Relay(mongo_db, store, broker=nats, stream=stream)
    assert await relay.step() == 3 and relay.stopped is None
    messages = await (await js.pull_subscribe("rewards.evt.>", stream=stream)).fetch(3, timeout=5)
    poison = messages[1]
    assert int(poison.headers["Ledger-Position"]) == bad and poison.headers["Ledger-Undecodable"] == "true"
    assert poison.subject == "rewards.evt.User.UserRegistered"
    assert b"secret" not in poison.data and b'"roles":"USER"' in poison.data.replace(b" ", b"")
    assert "Ledger-Undecodable" not in (messages[0].headers or {}) | (messages[2].headers or {})


async def test_an_unknown_type_stops_the_relay_alone_once_until_fixed_and_restarted(mongo_db, test_stream, caplog):
    caplog.set_level(logging.INFO, logger="ledger.relay")
    nats, js, stream = test_stream
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await login(store, "a", 0)
    bad = await inject(mongo_db, store, "UserVanished", {"userId": "a"})
    await login(store, "a", 1)
    relay = Relay(mongo_db, store, broker=nats, stream=stream)
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
    restarted = Relay(mongo_db, store, broker=nats, stream=stream)
    assert await restarted.step() == 2 and restarted.stopped is None
    assert await restarted.checkpoint() == bad + 1
    assert await stopped_readers(mongo_db) == []
    assert REGISTRY.get_sample_value("ledger_relay_stopped") == 0
    assert (await js.stream_info(stream)).state.messages == 3
    assert (await mongo_db[CHECKPOINTS].find_one({"_id": RELAY_ID})).get("stopped") is None
