"""The projection runners of one process share their store work (projections/runner.py `RunnerGroup`): one
`read_all` per batch for all of them and one write for all their pointer advances, counted on the wire with a
pymongo CommandListener on the real store; each runner still stops, fails and resumes on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect

from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.events import RecordedEvent
from domain.user import UserLoggedIn
from projections import runner as runner_module
from projections.base import Collection, Projection, fold
from projections.pointers import POINTERS, load_pointer
from projections.replay import replay
from projections.runner import ProjectionRunner, RunnerGroup
from tests.listening import Commands

pytestmark = pytest.mark.integration


class Logins(Projection):
    """Counts logins per user; refuses user "bad" (a fold bug) and fails once for "flaky" (the store away), each
    only when asked to."""

    name: ClassVar[str] = "test_logins"
    handles: ClassVar[frozenset[str]] = frozenset({"UserLoggedIn"})

    def __init__(self, refuses_bad: bool = False, flaky_failures: int = 0) -> None:
        self.refuses_bad, self.flaky_failures = refuses_bad, flaky_failures

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        assert isinstance(event.event, UserLoggedIn)
        user = event.event.user_id
        if user == "bad" and self.refuses_bad:
            raise ValueError("cannot fold this one")
        if user == "flaky" and self.flaky_failures:
            self.flaky_failures -= 1
            raise AutoReconnect("store away")
        await fold(coll, user, event.position, {"$inc": {"logins": 1}})


def logins(name: str, **behaviour: Any) -> Logins:
    kind = type(f"Logins_{name}", (Logins,), {"name": name})
    projection: Logins = kind(**behaviour)
    return projection


@pytest.fixture
async def listened(server_env: dict[str, str], mongo_db: Any) -> AsyncIterator[tuple[Any, Commands]]:
    """The test's database through a client that records its commands (`mongo_db` drops it afterwards)."""
    commands = Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server_env["MONGO_URL"], tz_aware=True,
                                                                 event_listeners=[commands])
    try:
        yield client[server_env["MONGO_DB"]], commands
    finally:
        await client.close()


async def log_in(store: MongoEventStore, stream: str, *users: str) -> None:
    version = len(await store.read_stream(stream))
    await store.append(NewCommit(stream, version, [
        UserLoggedIn(user_id=u, logged_in_at=datetime(2026, 11, 1, tzinfo=UTC)) for u in users]))


async def counts(db: Any, name: str) -> tuple[int, dict[str, int]]:
    ptr = await load_pointer(db, name)
    return ptr.position, {d["_id"]: d["logins"] async for d in db[ptr.collection].find()}


async def test_four_projections_fold_a_batch_with_one_event_read_and_one_pointer_write(listened) -> None:
    db, commands = listened
    store = MongoEventStore(db)
    await store.ensure_indexes()
    await log_in(store, "User-x", "a", "b")
    names = [f"test_logins_{i}" for i in range(4)]
    group = RunnerGroup(db, store, [ProjectionRunner(db, store, logins(n)) for n in names])
    assert await group.catch_up() == []
    await log_in(store, "User-x", "a")
    await log_in(store, "User-y", "c", "a")
    head = await store.head()

    commands.sent.clear()
    assert await group.catch_up() == []

    assert len(commands.event_reads()) == 1
    [write] = commands.pointer_writes()
    assert write["update"] == POINTERS and len(write["updates"]) == len(names)
    for name in names:
        assert await counts(db, name) == (head, {"a": 3, "b": 1, "c": 1})


async def test_in_a_group_a_poison_event_stops_one_runner_and_a_failing_store_delays_one_the_others_go_on(
        listened) -> None:
    db, _ = listened
    store = MongoEventStore(db)
    await store.ensure_indexes()
    for user in ["a", "flaky", "a", "bad", "a"]:
        await log_in(store, "User-x", user)
    head = await store.head()
    good, bad, flaky = (ProjectionRunner(db, store, logins("test_good")),
                        ProjectionRunner(db, store, logins("test_bad", refuses_bad=True)),
                        ProjectionRunner(db, store, logins("test_flaky", flaky_failures=1)))

    failures = await RunnerGroup(db, store, [good, bad, flaky]).catch_up()

    assert [(runner, type(exc)) for runner, exc in failures] == [(flaky, AutoReconnect)]
    assert await counts(db, "test_good") == (head, {"a": 3, "flaky": 1, "bad": 1})
    assert bad.stopped is not None and bad.stopped.position == 4
    assert await counts(db, "test_bad") == (3, {"a": 2, "flaky": 1})
    assert (await load_pointer(db, "test_bad")).stopped is not None
    assert (await load_pointer(db, "test_flaky")).position == 0  # what it folded before failing is folded again

    await log_in(store, "User-x", "a")
    assert await RunnerGroup(db, store, [good, bad, flaky]).catch_up() == []  # the failed one is retried
    assert await counts(db, "test_good") == (head + 1, {"a": 4, "flaky": 1, "bad": 1})
    assert await counts(db, "test_flaky") == (head + 1, {"a": 4, "flaky": 1, "bad": 1})
    assert await counts(db, "test_bad") == (3, {"a": 2, "flaky": 1})  # still stopped before the event


async def test_a_replay_that_switches_one_pointer_of_a_group_is_followed_and_the_others_keep_their_place(
        listened) -> None:
    db, _ = listened
    store = MongoEventStore(db)
    await store.ensure_indexes()
    await log_in(store, "User-x", "a", "b")
    replayed, kept = logins("test_replayed"), logins("test_kept")
    group = RunnerGroup(db, store, [ProjectionRunner(db, store, replayed), ProjectionRunner(db, store, kept)])
    await group.catch_up()
    await replay(db, store, replayed, drop_after=0)  # switches the pointer the group's runner has just moved
    await log_in(store, "User-x", "a")

    await group.catch_up()  # the advance of the switched pointer does not match: it is read again
    await group.catch_up()

    head = await store.head()
    assert await counts(db, "test_replayed") == (head, {"a": 2, "b": 1})
    assert await counts(db, "test_kept") == (head, {"a": 2, "b": 1})


async def test_a_runner_far_behind_does_not_hold_back_the_one_at_the_head(listened, monkeypatch) -> None:
    monkeypatch.setattr(runner_module, "BATCH", 2)
    db, commands = listened
    store = MongoEventStore(db)
    await store.ensure_indexes()
    for user in ["a", "b", "c", "d", "e", "f"]:
        await log_in(store, "User-x", user)
    ahead = ProjectionRunner(db, store, logins("test_ahead"))
    await ahead.catch_up()
    await log_in(store, "User-x", "a")
    group = RunnerGroup(db, store, [ahead, ProjectionRunner(db, store, logins("test_new"))])

    commands.sent.clear()
    assert await group.catch_up() == []

    first, *_ = [c for c in commands.pointer_writes() if c.get("update")]  # (test_new's pointer is created first)
    assert [update["q"]["_id"] for update in first["updates"]] == ["test_ahead"]  # the new event, before the rest
    head = await store.head()
    for name in ["test_ahead", "test_new"]:
        assert await counts(db, name) == (head, {"a": 2, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1})


async def test_a_group_prepares_each_live_collection_before_any_event_arrives(mongo_db) -> None:
    """A read model folded by an older version lacks the keys its listing now sorts and filters on; the runners
    add them when they start, not only when a new event happens to be folded."""
    import asyncio

    from projections.events import EventsProjection

    store = MongoEventStore(mongo_db)
    ptr = await load_pointer(mongo_db, EventsProjection.name)
    coll = mongo_db[ptr.collection]
    await coll.insert_one({"_id": "old", "periodStart": "2026-11-30T00:00:00.000Z", "periodEnd": None, "_pos": 1,
                           "createdAt": "2026-11-01T00:00:00.000Z", "status": "ACTIVE"})
    task = asyncio.create_task(RunnerGroup(mongo_db, store, [ProjectionRunner(mongo_db, store, EventsProjection())])
                               .run_forever(asyncio.Event()))
    found: dict[str, Any] = {}

    async def keyed() -> bool:
        found.update(await coll.find_one({"_id": "old"}) or {})
        return "newest" in found and "periodStartMs" in found

    try:
        for _ in range(500):
            if await keyed():
                break
            await asyncio.sleep(0.01)
        assert "newest" in found and "periodStartMs" in found, found
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_the_relay_publishes_the_page_the_runners_read_and_leaves_a_gap_to_its_own_reads(
        listened, test_stream) -> None:
    """In the projectors' process the relay follows the group: one read of the log serves the runners and the relay.
    A page that does not follow on from the relay's checkpoint is not published out of order: the relay's own reads
    catch up first."""
    from brokers.relay import Relay

    db, commands = listened
    broker, js, stream = test_stream
    store = MongoEventStore(db)
    await store.ensure_indexes()
    relay = Relay(db, store, broker, stream)
    group = RunnerGroup(db, store, [ProjectionRunner(db, store, logins("test_logins_relayed"))], [relay])
    await log_in(store, "User-x", "a", "b")
    await log_in(store, "User-y", "c")
    commands.sent.clear()
    assert await group.catch_up() == []
    assert len(commands.event_reads()) == 1
    assert await relay.checkpoint() == await store.head() == 3

    await log_in(store, "User-y", "d")
    await log_in(store, "User-y", "e")
    later = await store.read_all(5)
    assert [e.position for e in later] == [5]
    await relay.offer(later)  # position 4 was not offered: a gap
    assert await relay.checkpoint() == 3
    assert await relay.step() == 2
    sub = await js.pull_subscribe("rewards.evt.>", stream=stream)
    assert [int(m.headers["Ledger-Position"]) for m in await sub.fetch(5, timeout=5)] == [1, 2, 3, 4, 5]
