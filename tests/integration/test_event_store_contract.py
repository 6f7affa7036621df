"""The contract every event-store recorder keeps, run against MemoryEventStore and MongoEventStore alike.

One parametrized `backend` fixture hands each test a factory of fresh, empty stores; the tests only use the
`EventStore` interface, except the upcasting test, which plants an old-schema commit the way an older release
would have written it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient

from commands.store import (
    AppendResult,
    ClaimTaken,
    ConcurrencyError,
    EventStore,
    MemoryEventStore,
    MongoEventStore,
    NewCommit,
)
from commands.store.mapper import UPCASTERS, commit_to_doc
from domain.events import EVENT_TYPES, DomainEvent, Metadata, RecordedEvent


class ContractNoted(DomainEvent):
    """Test-only event: `commit` and `index` let a test find every event of a commit in the log."""

    commit: str
    index: int


class ContractPointsGranted(DomainEvent):
    """Test-only event at schema v2; v1 stored `account` and `amount` and had no `reason`."""

    SCHEMA_VERSION: ClassVar[int] = 2

    account_id: str
    points: int
    reason: str


def points_granted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {"accountId": data["account"], "points": data["amount"], "reason": "unrecorded"}


# Registered per test by `test_event_types` below, so the global registry only holds them while these tests run.
for _cls in (ContractNoted, ContractPointsGranted):
    EVENT_TYPES.pop(_cls.__name__, None)


@pytest.fixture(autouse=True)
def test_event_types(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for cls in (ContractNoted, ContractPointsGranted):
        monkeypatch.setitem(EVENT_TYPES, cls.__name__, cls)
    monkeypatch.setitem(UPCASTERS, (ContractPointsGranted.__name__, 1), points_granted_v1_to_v2)
    yield


class Backend(Protocol):
    async def new_store(self) -> EventStore:
        """A store over fresh, empty storage."""
        ...

    async def plant_commit(self, store: EventStore, doc: dict[str, Any]) -> None:
        """Put a stored commit document in place as it is, bypassing `append` (old schema versions)."""
        ...


class MemoryBackend:
    async def new_store(self) -> EventStore:
        return MemoryEventStore()

    async def plant_commit(self, store: EventStore, doc: dict[str, Any]) -> None:
        assert isinstance(store, MemoryEventStore)
        # The in-memory twin has no storage of its own to write to, so the planted commit goes into its lists.
        store._commits.append(doc)
        store._by_id[doc["_id"]] = doc
        store._claims.add(doc["claim"])
        store._streams.setdefault(doc["stream"], []).append(doc)


@dataclass
class MongoBackend:
    client: AsyncMongoClient[dict[str, Any]]
    databases: list[str] = field(default_factory=list)
    stores: list[MongoEventStore] = field(default_factory=list)

    async def new_store(self) -> EventStore:
        name = f"c{uuid.uuid4().hex[:12]}"
        self.databases.append(name)
        store = MongoEventStore(self.client[name])
        await store.ensure_indexes()
        self.stores.append(store)
        return store

    async def plant_commit(self, store: EventStore, doc: dict[str, Any]) -> None:
        assert isinstance(store, MongoEventStore)
        await store._commits.insert_one(doc)

    async def discard(self) -> None:
        """Stop the writers and drop every database handed out (hypothesis asks for one per example)."""
        for store in self.stores:
            await store.close()
        for name in self.databases:
            await self.client.drop_database(name)
        self.stores.clear()
        self.databases.clear()


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend()
        return
    servers = request.getfixturevalue("servers")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo.url, tz_aware=True)
    mongo = MongoBackend(client)
    try:
        yield mongo
    finally:
        await mongo.discard()
        await client.close()


@pytest.fixture
async def store(backend: Backend) -> EventStore:
    return await backend.new_store()


def noted(commit: str, count: int) -> list[DomainEvent]:
    return [ContractNoted(commit=commit, index=i) for i in range(count)]


async def append(store: EventStore, stream: str, expected: int, count: int = 1, claim: str | None = None,
                 commit_id: str | None = None) -> AppendResult:
    commit_id = commit_id or uuid.uuid4().hex
    return await store.append(NewCommit(stream, expected, noted(commit_id, count), commit_id=commit_id, claim=claim))


async def everything(store: EventStore) -> list[RecordedEvent]:
    return await store.read_all(1, 1_000_000)


def versions(events: list[RecordedEvent]) -> list[int]:
    return [e.version for e in events]


def positions(events: list[RecordedEvent]) -> list[int]:
    return [e.position for e in events]


async def test_first_append_to_a_new_stream_gets_version_one_and_position_one(store: EventStore) -> None:
    result = await append(store, "Acct-1", 0)

    assert (result.stream_id, result.version, result.position, result.duplicate) == ("Acct-1", 1, 1, False)
    assert len(result.event_ids) == 1
    [event] = await store.read_stream("Acct-1")
    assert (event.event_id, event.version, event.position) == (result.event_ids[0], 1, 1)


async def test_versions_count_from_one_in_each_stream_while_positions_are_global(store: EventStore) -> None:
    a1 = await append(store, "Acct-a", 0, 2)
    b1 = await append(store, "Acct-b", 0, 1)
    a2 = await append(store, "Acct-a", a1.version, 3)
    b2 = await append(store, "Acct-b", b1.version, 2)

    assert [(r.version, r.position) for r in (a1, b1, a2, b2)] == [(2, 2), (1, 3), (5, 6), (3, 8)]
    assert versions(await store.read_stream("Acct-a")) == [1, 2, 3, 4, 5]
    assert versions(await store.read_stream("Acct-b")) == [1, 2, 3]
    assert positions(await store.read_stream("Acct-a")) == [1, 2, 4, 5, 6]


async def test_stale_expected_version_is_refused_and_nothing_is_stored(store: EventStore) -> None:
    first = await append(store, "Acct-1", 0, 1)
    await append(store, "Acct-1", first.version, 2)
    before = await everything(store)

    for stale in (0, first.version):
        with pytest.raises(ConcurrencyError) as refused:
            await append(store, "Acct-1", stale, 4, claim="email:stale@example.com")
        assert (refused.value.stream_id, refused.value.expected_version) == ("Acct-1", stale)

    assert await everything(store) == before
    assert await store.head() == 3
    # The refused commits' claim was not taken either.
    await append(store, "Acct-2", 0, claim="email:stale@example.com")


@pytest.mark.parametrize("expected", [1, 2, 4, 9], ids=["inside-commit", "inside-commit-2", "ahead", "far-ahead"])
async def test_expected_version_that_the_stream_never_had_is_refused(store: EventStore, expected: int) -> None:
    """Only a version some commit ended at can be built on: one inside a multi-event commit, or one the stream has
    not reached, would give the stream two events with one version, or a hole."""
    await append(store, "Acct-1", 0, 3)

    with pytest.raises(ConcurrencyError):
        await append(store, "Acct-1", expected, 1)

    assert versions(await store.read_stream("Acct-1")) == [1, 2, 3]
    assert await store.head() == 3


async def test_commits_sent_together_may_build_on_each_other(store: EventStore) -> None:
    """What the desk (commands/desk.py) sends: consecutive commits of one stream in one group, each expecting the
    version the one before it ends at. All are stored; a commit that builds on a refused one is refused too."""
    await append(store, "Acct-1", 0, 2)
    chain = await asyncio.gather(append(store, "Acct-1", 2, 3), append(store, "Acct-1", 5, 1),
                                 append(store, "Acct-1", 6, 2))
    assert [r.version for r in chain] == [5, 6, 8]
    assert versions(await store.read_stream("Acct-1")) == list(range(1, 9))
    assert versions(await store.read_stream("Acct-1", after_version=5)) == [6, 7, 8]

    broken = await asyncio.gather(append(store, "Acct-1", 7, 1), append(store, "Acct-1", 8, 1),
                                  return_exceptions=True)
    assert isinstance(broken[0], ConcurrencyError)  # 7 is inside a commit
    assert isinstance(broken[1], AppendResult) and broken[1].version == 9  # 8 is where the stream ends


async def test_a_commit_decided_after_another_is_stored_only_if_that_one_was(store: EventStore) -> None:
    """The desk's batches: the second commit was decided on top of the first. When the first loses to another
    writer whose commit ends at the same version, the second's expected version matches - and it must still be
    refused. A retried first commit answered as a duplicate does not count as stored by this append either."""
    await append(store, "Acct-1", 0, 1)
    first = NewCommit("Acct-1", 1, noted("b1", 1), commit_id="b1")
    second = NewCommit("Acct-1", 2, noted("b2", 1), commit_id="b2", after=first.append_id)
    rival = await append(store, "Acct-1", 1, 1)  # another replica took version 2 first
    outcomes = await asyncio.gather(store.append(first), store.append(second), return_exceptions=True)
    assert all(isinstance(o, ConcurrencyError) for o in outcomes)
    assert versions(await store.read_stream("Acct-1")) == [1, 2] and rival.version == 2

    third = NewCommit("Acct-1", 2, noted("b3", 1), commit_id="b3")
    fourth = NewCommit("Acct-1", 3, noted("b4", 1), commit_id="b4", after=third.append_id)
    stored = await asyncio.gather(store.append(third), store.append(fourth))
    assert [r.version for r in stored] == [3, 4]

    retried = NewCommit("Acct-1", 4, noted("b3", 1), commit_id="b3")  # the same commit id: a duplicate
    on_top = NewCommit("Acct-1", 4, noted("b5", 1), commit_id="b5", after=retried.append_id)
    outcomes = await asyncio.gather(store.append(retried), store.append(on_top), return_exceptions=True)
    assert isinstance(outcomes[0], AppendResult) and outcomes[0].duplicate
    assert isinstance(outcomes[1], ConcurrencyError)
    assert versions(await store.read_stream("Acct-1")) == [1, 2, 3, 4]


async def test_a_commit_of_several_events_is_stored_whole_and_consecutive(store: EventStore) -> None:
    await append(store, "Acct-0", 0, 1)
    result = await append(store, "Acct-1", 0, 7)

    events = await store.read_stream("Acct-1")
    assert positions(events) == [2, 3, 4, 5, 6, 7, 8]
    assert versions(events) == [1, 2, 3, 4, 5, 6, 7]
    assert [e.event_id for e in events] == list(result.event_ids)
    assert [e.event.index for e in events] == list(range(7))  # type: ignore[attr-defined]
    assert (result.version, result.position) == (7, 8)


async def test_a_refused_commit_of_several_events_leaves_no_event_behind(store: EventStore) -> None:
    await append(store, "Acct-1", 0, 2)
    refused_id = uuid.uuid4().hex

    with pytest.raises(ConcurrencyError):
        await append(store, "Acct-1", 0, 6, commit_id=refused_id)

    assert all(e.event.commit != refused_id for e in await everything(store))  # type: ignore[attr-defined]
    assert await store.head() == 2


async def test_a_claim_is_unique_across_streams(store: EventStore) -> None:
    await append(store, "User-1", 0, claim="email:a@example.com")
    before = await everything(store)

    with pytest.raises(ClaimTaken) as taken:
        await append(store, "User-2", 0, 3, claim="email:a@example.com")
    with pytest.raises(ClaimTaken):
        await append(store, "User-1", 1, claim="email:a@example.com")

    assert taken.value.claim == "email:a@example.com"
    assert await store.read_stream("User-2") == []
    assert await everything(store) == before
    await append(store, "User-2", 0, claim="email:b@example.com")


async def test_the_same_commit_id_twice_returns_the_first_result_and_stores_once(store: EventStore) -> None:
    commit = NewCommit("Acct-1", 0, noted("c1", 3), commit_id="c1")
    first = await store.append(commit)
    await append(store, "Acct-1", 3)  # the stream moves on: the retry must still be recognised, not refused

    again = await store.append(commit)

    assert first.duplicate is False and again.duplicate is True
    assert (again.stream_id, again.version, again.position, again.event_ids) == (
        first.stream_id, first.version, first.position, first.event_ids)
    assert [e.event_id for e in await everything(store) if e.event.commit == "c1"] == list(  # type: ignore[attr-defined]
        first.event_ids)


async def test_the_same_commit_sent_twice_at_once_is_stored_once(store: EventStore) -> None:
    commit = NewCommit("Acct-1", 0, noted("c1", 2), commit_id="c1")

    results = await asyncio.gather(store.append(commit), store.append(commit))

    assert sorted(r.duplicate for r in results) == [False, True]
    assert results[0].event_ids == results[1].event_ids
    assert positions(await everything(store)) == [1, 2]


async def test_a_cancelled_caller_of_a_refused_commit_does_not_fail_the_others(store: EventStore) -> None:
    """A caller may give up (a timeout) while its commit waits to be written with others in one round trip."""
    first = await append(store, "Acct-0", 0)
    await append(store, "Acct-0", first.version)
    doomed = asyncio.create_task(append(store, "Acct-0", first.version))
    others = [asyncio.create_task(append(store, f"Acct-{n}", 0, 2)) for n in range(1, 5)]
    await asyncio.sleep(0)  # every append is queued; the shared writer has not run yet

    doomed.cancel()

    results = await asyncio.gather(*others)
    assert [r.version for r in results] == [2, 2, 2, 2]
    with pytest.raises((asyncio.CancelledError, ConcurrencyError)):
        await doomed
    assert positions(await everything(store)) == list(range(1, 11))


async def test_read_stream_returns_the_stream_in_version_order_with_its_envelope(store: EventStore) -> None:
    meta = Metadata(actor="u-7", correlation_id="corr-1", causation_id="cmd-1")
    await store.append(NewCommit("Acct-1", 0, noted("c1", 2), commit_id="c1", metadata=meta))
    await append(store, "Acct-2", 0, 2)
    await store.append(NewCommit("Acct-1", 2, noted("c2", 1), commit_id="c2"))

    events = await store.read_stream("Acct-1")

    assert [(e.event.commit, e.event.index) for e in events] == [  # type: ignore[attr-defined]
        ("c1", 0), ("c1", 1), ("c2", 0)]
    assert {e.stream_id for e in events} == {"Acct-1"}
    assert [(e.actor, e.correlation_id, e.causation_id) for e in events[:2]] == [("u-7", "corr-1", "cmd-1")] * 2
    assert events[2].actor is None
    assert all(e.occurred_at.utcoffset() == timedelta(0) for e in events)
    assert all(e.type == "ContractNoted" and e.schema_version == 1 for e in events)
    assert await store.read_stream("Acct-unknown") == []


async def test_read_all_starts_at_any_position_even_inside_a_commit(store: EventStore) -> None:
    sizes = [1, 3, 2, 4, 1]
    for n, size in enumerate(sizes):
        await append(store, f"Acct-{n % 2}", sum(s for i, s in enumerate(sizes[:n]) if i % 2 == n % 2), size)
    head = sum(sizes)
    log = await everything(store)

    for start in range(1, head + 2):
        events = await store.read_all(start)
        assert positions(events) == list(range(start, head + 1))
        assert [e.event_id for e in events] == [e.event_id for e in log[start - 1:]]


async def test_read_all_pages_in_order_whatever_the_limit(store: EventStore) -> None:
    for n, size in enumerate([2, 1, 3, 1, 2]):
        await append(store, f"Acct-{n}", 0, size)

    for limit in (1, 2, 3):
        seen: list[int] = []
        while page := await store.read_all(len(seen) + 1, limit):
            assert positions(page) == list(range(len(seen) + 1, len(seen) + 1 + len(page)))
            seen += positions(page)
        assert seen == list(range(1, 10))


async def test_head_is_the_last_stored_position(store: EventStore) -> None:
    assert await store.head() == 0
    await append(store, "Acct-1", 0, 4)
    assert await store.head() == 4
    await append(store, "Acct-2", 0, 1)
    assert await store.head() == 5
    with pytest.raises(ConcurrencyError):
        await append(store, "Acct-2", 0, 3)
    assert await store.head() == 5


async def test_an_old_schema_event_is_read_back_upcast(backend: Backend, store: EventStore) -> None:
    await append(store, "Acct-1", 0)
    old = commit_to_doc("Acct-1", 2, 2, [{"id": "e-old", "type": "ContractPointsGranted", "schema": 1,
                                          "data": {"account": "a-1", "amount": 50}}],
                        "c-old", None, "u-1", "corr-1", None, datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    await backend.plant_commit(store, old)
    await store.append(NewCommit("Acct-1", 2, [ContractPointsGranted(account_id="a-1", points=7, reason="bonus")]))

    events = (await store.read_stream("Acct-1"))[1:]

    assert [e.event for e in events] == [ContractPointsGranted(account_id="a-1", points=50, reason="unrecorded"),
                                         ContractPointsGranted(account_id="a-1", points=7, reason="bonus")]
    assert [e.event for e in await store.read_all(2)] == [e.event for e in events]
    assert (events[0].event_id, events[0].version, events[0].position) == ("e-old", 2, 2)
    assert events[0].occurred_at == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


# --- concurrent writers: a property over random interleavings -------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    stream: int
    size: int
    expect: str  # "newest" known version, an "older" one, or an invented one just "ahead" or "behind" the newest
    claim: int | None


attempts = st.builds(Attempt, stream=st.integers(0, 3), size=st.integers(1, 10),
                     expect=st.sampled_from(["newest", "newest", "older", "ahead", "behind"]),
                     claim=st.none() | st.integers(0, 2))
writers = st.lists(st.lists(attempts, min_size=1, max_size=8), min_size=2, max_size=5)


@dataclass
class Outcome:
    accepted: dict[str, tuple[NewCommit, AppendResult]] = field(default_factory=dict)
    refused: dict[str, NewCommit] = field(default_factory=dict)


async def run_writers(store: EventStore, scripts: list[list[Attempt]]) -> Outcome:
    """Each script is one asyncio task. A task builds on the newest version it knows of the stream (other tasks
    may have moved it on meanwhile), on an older one it knows is taken, or on one it made up, which may fall inside
    a multi-event commit or past the stream's end (or, by luck, on a real end)."""
    known: dict[str, list[int]] = defaultdict(lambda: [0])  # every version each stream has ended a commit at
    outcome = Outcome()

    async def writer(w: int, script: list[Attempt]) -> None:
        for n, attempt in enumerate(script):
            stream = f"Acct-{attempt.stream}"
            ends = known[stream]
            expected = {"newest": ends[-1], "older": ends[max(len(ends) - 2, 0)], "ahead": ends[-1] + 1,
                        "behind": max(ends[-1] - 1, 0)}[attempt.expect]
            commit_id = f"w{w}-{n}"
            commit = NewCommit(stream, expected, noted(commit_id, attempt.size), commit_id=commit_id,
                               claim=None if attempt.claim is None else f"claim:{attempt.claim}")
            try:
                result = await store.append(commit)
            except (ConcurrencyError, ClaimTaken):
                outcome.refused[commit_id] = commit
                continue
            outcome.accepted[commit_id] = (commit, result)
            if result.version > ends[-1]:
                ends.append(result.version)

    await asyncio.gather(*(writer(w, script) for w, script in enumerate(scripts)))
    return outcome


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scripts=writers)
async def test_concurrent_batches_keep_positions_gapless_and_refusals_whole(backend: Backend,
                                                                            scripts: list[list[Attempt]]) -> None:
    store = await backend.new_store()  # a fresh database per example: fixtures are not reset between examples

    outcome = await run_writers(store, scripts)

    log = await everything(store)
    assert positions(log) == list(range(1, sum(len(c.events) for c, _ in outcome.accepted.values()) + 1))
    assert await store.head() == len(log)
    by_commit: dict[str, list[RecordedEvent]] = defaultdict(list)
    for event in log:
        by_commit[event.event.commit].append(event)  # type: ignore[attr-defined]
    assert set(by_commit) == set(outcome.accepted)
    assert not set(by_commit) & set(outcome.refused)
    for commit_id, (commit, result) in outcome.accepted.items():
        events = by_commit[commit_id]
        assert [e.event.index for e in events] == list(range(len(commit.events)))  # type: ignore[attr-defined]
        assert positions(events) == list(range(result.position - len(events) + 1, result.position + 1))
        assert versions(events) == list(range(commit.expected_version + 1, result.version + 1))
        assert {e.stream_id for e in events} == {commit.stream_id}
    for stream in {e.stream_id for e in log}:
        in_log = [e for e in log if e.stream_id == stream]
        assert versions(in_log) == list(range(1, len(in_log) + 1))
        assert await store.read_stream(stream) == in_log
    claims = [c.claim for c, _ in outcome.accepted.values() if c.claim]
    assert len(claims) == len(set(claims))
    if isinstance(backend, MongoBackend):
        await backend.discard()
