"""Replay gives exactly the read model that live projection gave, and switches without taking reads down."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient

from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.events import DomainEvent
from domain.user import Role, UserLoggedIn, UserRegistered, UserRolesChanged
from projections.pointers import load_pointer
from projections.registry import all_projections
from projections.replay import replay
from projections.runner import ProjectionRunner
from tests.listening import Commands

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=UTC)
roles = st.lists(st.sampled_from(list(Role)), min_size=1, max_size=4, unique=True)
# Per user: a list of later changes, each a roles change or a login some minutes after the start.
user_histories = st.lists(st.lists(st.one_of(roles, st.integers(1, 10_000)), max_size=5), min_size=1, max_size=8)


def events_of(index: int, history: list[Any]) -> list[DomainEvent]:
    user_id = f"u{index}"
    out: list[DomainEvent] = [UserRegistered(user_id=user_id, email=f"u{index}@example.com", password_hash="h",
                                             roles=[Role.USER], registered_at=T0)]
    current = [Role.USER]
    for change in history:
        if isinstance(change, int):
            out.append(UserLoggedIn(user_id=user_id, logged_in_at=T0 + timedelta(minutes=change)))
        else:
            out.append(UserRolesChanged(user_id=user_id, roles=sorted(change), previous_roles=current))
            current = sorted(change)
    return out


async def append_all(store: MongoEventStore, histories: list[list[Any]], chunk: int) -> None:
    """Append each user's events in commits of up to `chunk` events, users interleaved."""
    pending = {i: events_of(i, h) for i, h in enumerate(histories)}
    versions = dict.fromkeys(pending, 0)
    while pending:
        for i in list(pending):
            batch, pending[i] = pending[i][:chunk], pending[i][chunk:]
            await store.append(NewCommit(f"User-u{i}", versions[i], batch))
            versions[i] += len(batch)
            if not pending[i]:
                del pending[i]


async def snapshot(db: Any, name: str) -> list[dict[str, Any]]:
    ptr = await load_pointer(db, name)
    return [doc async for doc in db[ptr.collection].find().sort("_id", 1)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=user_histories, chunk=st.integers(1, 3), crash_after=st.integers(0, 20))
async def test_replayed_projection_equals_live_projection(mongo_db, histories, chunk, crash_after):
    db = mongo_db.client[f"r{uuid.uuid4().hex[:12]}"]
    try:
        store = MongoEventStore(db)
        await store.ensure_indexes()
        await append_all(store, histories, chunk)
        projection = all_projections()["users"]
        live = ProjectionRunner(db, store, projection)
        # A crash between folding and checkpointing: fold a prefix again before catching up.
        ptr = await load_pointer(db, projection.name)
        prefix = await store.read_all(1, crash_after)
        for event in prefix:
            if event.type in projection.handles:
                await projection.apply(db[ptr.collection], event)
        await live.catch_up()
        before = await snapshot(db, projection.name)
        collection, position = await replay(db, store, projection, drop_after=0)
        assert position == await store.head()
        assert (await load_pointer(db, projection.name)).collection == collection
        assert await snapshot(db, projection.name) == before
        assert ptr.collection not in await db.list_collection_names()
    finally:
        await mongo_db.client.drop_database(db.name)


def replay_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ops.cli", "replay", *args], env=env, capture_output=True,
                          text=True, timeout=60)


async def test_replay_cli_rebuilds_and_reports(server_env, mongo_db):
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await append_all(store, [[1, [Role.ADMIN]], [2]], chunk=2)
    env = {**os.environ, **server_env, "REPLAY_DROP_GRACE_SECONDS": "0.6"}
    done = await asyncio.to_thread(replay_cli, env, "users")
    assert done.returncode == 0, done.stderr
    assert "users: switched to rm_users_" in done.stdout and "at position 5" in done.stdout
    progress = r"^replay users: [\d,]+/[\d,]+ events \(100%\), [\d,]+ events/s, .*ETA \d+:\d\d:\d\d$"
    assert re.search(progress, done.stderr, re.MULTILINE), done.stderr  # plain lines off a terminal, with the rate
    users = await snapshot(mongo_db, "users")
    assert [(u["_id"], u["roles"]) for u in users] == [("u0", ["ADMIN"]), ("u1", ["USER"])]
    unknown = await asyncio.to_thread(replay_cli, env, "nope")
    assert unknown.returncode == 2 and "unknown projection" in unknown.stderr
    everything = await asyncio.to_thread(replay_cli, env, "--all")
    assert everything.returncode == 0, everything.stderr
    assert f"replayed 5 events into {len(all_projections())} read model(s) in one pass" in everything.stdout
    assert "events/s folding" in everything.stdout and "preparing and switching" in everything.stdout
    assert "after a 0.6 s grace" in everything.stdout  # the grace is told apart, after the rate


async def test_replay_all_reads_the_log_once_for_every_read_model_and_each_equals_its_live_one(
        server_env, monkeypatch) -> None:
    from projections import replay as replay_module
    from projections.replay import rebuild

    reads = Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server_env["MONGO_URL"], tz_aware=True,
                                                                event_listeners=[reads])
    db = client[f"r{uuid.uuid4().hex[:12]}"]
    try:
        store = MongoEventStore(db)
        await store.ensure_indexes()
        await append_all(store, [[1, [Role.ADMIN], 2], [3], [[Role.AUDITOR], 4, 5]], chunk=2)
        chosen = [p for name, p in all_projections().items() if name in {"users", "events", "reward_requests"}]
        for projection in chosen:
            await ProjectionRunner(db, store, projection).catch_up()
        before = {p.name: await snapshot(db, p.name) for p in chosen}
        monkeypatch.setattr(replay_module, "REPLAY_BATCH", 2)  # commits a page: several pages
        reads.sent.clear()
        await rebuild(db, store, chosen[:1])
        one = len(reads.event_reads())
        reads.sent.clear()
        done = await rebuild(db, store, chosen)
        assert one > 2 and len(reads.event_reads()) == one, "one pass of the log for all three read models"
        assert sorted(done.switched) == sorted(before) and not done.failed
        head = await store.head()
        assert {name: position for name, (_, position) in done.switched.items()} == dict.fromkeys(before, head)
        for name, docs in before.items():
            assert await snapshot(db, name) == docs
    finally:
        await store.close()
        await client.drop_database(db.name)
        await client.close()


async def test_an_interrupted_replay_leaves_the_live_models_and_a_rerun_starts_clean(mongo_db) -> None:
    """A fold that fails (the store away, Ctrl-C) ends the rebuild: its aside collections are dropped and the live
    pointers are as they were. Aside collections a killed rebuild left behind are dropped by the next one."""
    from projections.replay import drop_leftovers, rebuild

    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await append_all(store, [[1, 2], [3]], chunk=1)
    users = all_projections()["users"]
    await ProjectionRunner(mongo_db, store, users).catch_up()
    live = await load_pointer(mongo_db, "users")

    class Failing(type(users)):  # type: ignore[misc]
        async def apply_batch(self, coll: Any, events: list[Any]) -> None:
            raise ConnectionError("the store went away")

    with pytest.raises(ConnectionError):
        await rebuild(mongo_db, store, [Failing()])
    assert await load_pointer(mongo_db, "users") == live
    assert [c for c in await mongo_db.list_collection_names() if c.startswith("rm_users_")] == [live.collection]

    orphan = "rm_users_20260101000000000000"  # as a rebuild killed with -9 would leave it
    await mongo_db[orphan].insert_one({"_id": "x"})
    assert await drop_leftovers(mongo_db, ["users"]) == [orphan]
    done = await rebuild(mongo_db, store, [users])
    assert done.switched["users"][1] == await store.head()
    assert live.collection in done.replaced
    await store.close()
