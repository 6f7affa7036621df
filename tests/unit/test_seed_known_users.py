"""What lets the seeder record 100,000 activities without reading a User stream for each player: the handler that
registered a user remembers it, so activity reports for that user ask the store nothing about the user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store import MemoryEventStore
from domain.clock import iso


class CountingStore(MemoryEventStore):
    def __init__(self) -> None:
        super().__init__()
        self.stream_reads: list[str] = []

    async def read_stream(self, stream_id: str, after_version: int = 0):  # type: ignore[no-untyped-def]
        self.stream_reads.append(stream_id)
        return await super().read_stream(stream_id, after_version)


async def test_an_activity_of_a_user_registered_here_reads_no_user_stream():
    store = CountingStore()
    registered = await dispatch("RegisterUser", {"email": "p1@demo.test", "password": "demo-pass-1"},
                                Caller("register-p1"), store)
    assert registered.ok and registered.result
    user_id = registered.result["id"]
    activity = {"id": "a-1", "userId": user_id, "kind": "login",
                "occurredAt": iso(datetime.now(UTC) - timedelta(hours=1))}
    recorded = await dispatch("RecordActivity", {"activity": activity},
                              Caller("record-a-1", Actor("svc", frozenset({"SERVICE"}))), store)
    assert recorded.ok, recorded.error
    assert not [s for s in store.stream_reads if s.startswith("User-")]


async def test_an_activity_of_an_unknown_user_is_still_refused():
    activity = {"id": "a-2", "userId": "nobody", "kind": "login",
                "occurredAt": iso(datetime.now(UTC) - timedelta(hours=1))}
    recorded = await dispatch("RecordActivity", {"activity": activity},
                              Caller("record-a-2", Actor("svc", frozenset({"SERVICE"}))), CountingStore())
    assert not recorded.ok and recorded.error and recorded.error.code == "not-found"
