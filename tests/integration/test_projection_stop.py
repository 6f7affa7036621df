"""A fold that raises for one event stops its projection before that event (the ones before it folded and
checkpointed); a failure of the store itself is retried, never a stop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest
from pymongo.errors import AutoReconnect

from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.events import RecordedEvent
from domain.user import UserLoggedIn
from projections.base import Collection, Projection, fold
from projections.pointers import load_pointer
from projections.runner import ProjectionRunner

pytestmark = pytest.mark.integration


class LoginsProjection(Projection):
    """Counts logins per user; refuses user "bad" (a fold bug) and fails once for "flaky" (the store away)."""

    name: ClassVar[str] = "test_logins"
    handles: ClassVar[frozenset[str]] = frozenset({"UserLoggedIn"})

    def __init__(self) -> None:
        self.flaky_failures = 1

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        assert isinstance(event.event, UserLoggedIn)
        user = event.event.user_id
        if user == "bad":
            raise ValueError("cannot fold this one")
        if user == "flaky" and self.flaky_failures:
            self.flaky_failures -= 1
            raise AutoReconnect("store away")
        await fold(coll, user, event.position, {"$inc": {"logins": 1}})


async def test_a_fold_that_raises_for_one_event_stops_before_it_and_a_store_failure_is_retried(mongo_db) -> None:
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    for version, user in enumerate(["a", "flaky", "a", "bad", "a"]):
        await store.append(NewCommit("User-x", version, [UserLoggedIn(
            user_id=user, logged_in_at=datetime(2026, 11, 1, tzinfo=UTC))]))
    runner = ProjectionRunner(mongo_db, store, LoginsProjection())
    with pytest.raises(AutoReconnect):
        await runner.catch_up()
    assert runner.stopped is None and (await load_pointer(mongo_db, "test_logins")).position == 0
    await runner.catch_up()
    ptr = await load_pointer(mongo_db, "test_logins")
    assert runner.stopped is not None and runner.stopped.position == 4
    assert ptr.position == 3 and ptr.stopped is not None and ptr.stopped["error"] == "ValueError: cannot fold this one"
    counts = {d["_id"]: d["logins"] async for d in mongo_db[ptr.collection].find()}
    assert counts == {"a": 2, "flaky": 1}
    await runner.catch_up()  # stopped: nothing more is read
    assert (await load_pointer(mongo_db, "test_logins")).position == 3
