"""Two handler replicas that tell each other what they stored keep their cached promotions current: decisions
alternate between them without a version conflict or a catch-up read, and a missed announcement only costs the
read it saves (the store's version check still refuses a decision on a stale cache)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from brokers.desk_sync import decode, encode
from commands.context import Actor, Caller
from commands.desk import Desk, _desks
from commands.dispatch import dispatch
from commands.store import MemoryEventStore
from commands.store.base import AppendResult, NewCommit
from domain.clock import iso
from domain.events import RecordedEvent

NOW = datetime.now(UTC)


class Replica(MemoryEventStore):
    """A second view of one MemoryEventStore (its own desk), counting what it asks the store."""

    def __init__(self, shared: MemoryEventStore) -> None:
        self.shared, self.catch_up_reads, self.conflicts = shared, 0, 0

    async def append(self, commit: NewCommit) -> AppendResult:
        try:
            return await self.shared.append(commit)
        except Exception:
            self.conflicts += 1
            raise

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        if after_version:
            self.catch_up_reads += 1
        return await self.shared.read_stream(stream_id, after_version)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.shared, name)


async def send(store: MemoryEventStore, name: str, payload: dict[str, Any], user: str = "op",
               roles: frozenset[str] = frozenset({"OPERATOR"})) -> dict[str, Any]:
    reply = await dispatch(name, payload, Caller(uuid.uuid4().hex, Actor(user, roles)), store)
    assert reply.ok and reply.result is not None, reply.error
    return reply.result


def wire(a: Desk, b: Desk, drop: set[int] | None = None) -> None:
    """Each desk's announcements reach the other through the wire format (all but the numbered ones in `drop`)."""
    sent = 0

    def to(other: Desk) -> Any:
        def announce(stream: str, after: int, events: list[Any]) -> None:
            nonlocal sent
            sent += 1
            if sent not in (drop or set()):
                _, s, v, decoded = decode(encode("x", stream, after, events))
                other.learn(s, v, decoded)
        return announce

    a.announce, b.announce = to(b), to(a)


async def alternate(drop: set[int] | None = None) -> tuple[Replica, Replica]:
    shared = MemoryEventStore()
    a, b = Replica(shared), Replica(shared)
    _desks[a], _desks[b] = Desk(a), Desk(b)
    wire(_desks[a], _desks[b], drop)
    event = await send(a, "CreatePromotion", {"name": "W", "periodStart": iso(NOW - timedelta(days=1))})
    reward = await send(b, "CreateReward", {"rewardType": "point", "fields": {"name": "P", "points": 1}})
    ids = {"eventId": event["id"], "rewardId": reward["id"]}
    await send(b, "AttachReward", {**ids, "perUserLimit": 100, "autoResolve": True, "stock": 10})
    for n in range(12):
        answer = await send((a, b)[n % 2], "RequestReward", ids, user=f"u{n % 3}", roles=frozenset({"USER"}))
        assert answer["status"] == ("APPROVED" if n < 10 else "REJECTED")
    grants = [e for e in await shared.read_all(1, 1000) if e.type == "RewardGranted"]
    assert len(grants) == 10
    return a, b


async def test_replicas_that_hear_each_other_decide_without_conflicts_or_reads() -> None:
    a, b = await alternate()
    assert (a.conflicts, b.conflicts, a.catch_up_reads, b.catch_up_reads) == (0, 0, 0, 0)


async def test_a_missed_announcement_costs_one_catch_up_and_nothing_else() -> None:
    a, b = await alternate(drop={3})
    assert a.conflicts + b.conflicts <= 1
    assert 1 <= a.catch_up_reads + b.catch_up_reads <= 2
