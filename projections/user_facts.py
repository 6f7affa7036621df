"""Per-user activity facts (`domain.activity_facts.UserFacts` as a document), answering every condition leaf for any
period without rescanning events.

Folding is read-modify-write, so the `_pos` guard of `fold()` becomes a compare-and-set: read the document, apply,
write only if `_pos` is still what was read (a concurrent runner or a replay of the same batch loses and re-reads).
A batch is folded with one read (`$in`) and one `bulk_write` per batch instead of two round trips per activity;
if any write of the batch lost its race, the batch's users are folded again one event at a time, which skips
what is already in (`_pos`).

The seen activity ids of `UserFacts` are not stored: `_pos` already keeps an activity from being folded twice
(a user's activities are folded in position order) and the store keeps an id from being recorded twice (its
claim), while the ids would make every document grow with every activity - and every fold and every preview
read slower with it (3x on the stand-in at 200 activities per user). A document grows with distinct days instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any, ClassVar, Final

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.activity_facts import UserFacts
from domain.activity_record import UserActivityRecorded
from domain.errors import DomainError
from domain.events import RecordedEvent
from projections.base import Collection, Projection
from projections.pointers import Pointer, load_pointer

MAX_RACES: Final = 100
#: How long a reward request waits for `minPosition` to be folded, and how often it looks.
FACTS_WAIT_SECONDS: Final = 5.0
FACTS_POLL_SECONDS: Final = 0.005


def _doc(facts: UserFacts, position: int) -> dict[str, Any]:
    """The stored document: `to_doc()` without the seen activity ids (see the module doc), plus `_pos`."""
    doc = facts.to_doc()
    del doc["seenIds"]
    return {**doc, "_pos": position}


def facts_of(doc: dict[str, Any]) -> UserFacts:
    return UserFacts.from_doc({**doc, "seenIds": []})


class UserFactsProjection(Projection):
    name: ClassVar[str] = "user_facts"
    handles: ClassVar[frozenset[str]] = frozenset({"UserActivityRecorded"})

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        e = event.event
        assert isinstance(e, UserActivityRecorded)
        for _ in range(MAX_RACES):
            doc = await coll.find_one({"_id": e.user_id})
            if doc is not None and doc["_pos"] >= event.position:
                return  # already folded
            facts = facts_of(doc) if doc is not None else UserFacts(e.user_id)
            facts.apply(e.activity())
            if doc is None:
                try:
                    await coll.insert_one({"_id": e.user_id, **_doc(facts, event.position)})
                    return
                except DuplicateKeyError:
                    continue  # created meanwhile: read it and try again
            result = await coll.update_one({"_id": e.user_id, "_pos": doc["_pos"]},
                                           {"$set": _doc(facts, event.position)})
            if result.matched_count:
                return
        raise RuntimeError(f"user_facts of {e.user_id}: lost {MAX_RACES} races in a row")

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        by_user: dict[str, list[RecordedEvent]] = defaultdict(list)
        for event in events:
            assert isinstance(event.event, UserActivityRecorded)
            by_user[event.event.user_id].append(event)
        docs = {d["_id"]: d async for d in coll.find({"_id": {"$in": list(by_user)}})}
        writes: list[InsertOne[dict[str, Any]] | UpdateOne] = []
        for user_id, user_events in by_user.items():
            doc = docs.get(user_id)
            done = doc["_pos"] if doc is not None else 0
            new = [e for e in user_events if e.position > done]
            if not new:
                continue
            facts = facts_of(doc) if doc is not None else UserFacts(user_id)
            for event in new:
                assert isinstance(event.event, UserActivityRecorded)
                facts.apply(event.event.activity())
            body = _doc(facts, new[-1].position)
            writes.append(InsertOne({"_id": user_id, **body}) if doc is None else
                          UpdateOne({"_id": user_id, "_pos": done}, {"$set": body}))
        if not writes:
            return
        try:
            result = await coll.bulk_write(writes, ordered=False)
            complete = result.inserted_count + result.matched_count == len(writes)
        except BulkWriteError:
            complete = False
        if not complete:
            for event in events:
                await self.apply(coll, event)


class FactsReader:
    """The handlers' source of users' facts (commands/facts.py `FactsSource`): the live `user_facts` collection,
    after it has folded `min_position` when one is given (else as it is: milliseconds behind the store). Which
    collection is live is re-read at most every `POINTER_TTL_SECONDS` (a replay keeps the old one readable for 2 s
    after switching, projections/replay.py). Reads are grouped like the store's appends: while one is in flight,
    the users asked for meanwhile wait and are then read together, with one `$in` (a busy handler reads many users
    per round trip instead of one)."""

    POINTER_TTL_SECONDS: ClassVar[float] = 0.5

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.db = db
        self._pointer: tuple[float, Pointer] | None = None
        self._waiting: dict[str, dict[str, list[asyncio.Future[dict[str, Any] | None]]]] = {}
        self._reading: dict[str, asyncio.Task[None]] = {}

    async def _document(self, collection: str, user_id: str) -> dict[str, Any] | None:
        future: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(collection, {}).setdefault(user_id, []).append(future)
        if collection not in self._reading:
            self._reading[collection] = asyncio.create_task(self._read_waiting(collection))
        return await future

    async def _read_waiting(self, collection: str) -> None:
        try:
            while waiting := self._waiting.pop(collection, None):
                try:
                    found = {d["_id"]: d async for d in self.db[collection].find({"_id": {"$in": list(waiting)}})}
                except Exception as exc:  # the store is away: these callers get the error
                    for futures in waiting.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for user_id, futures in waiting.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(found.get(user_id))
        finally:
            self._reading.pop(collection, None)

    async def _read_pointer(self, max_age: float) -> Pointer:
        now = time.monotonic()
        if self._pointer is None or now - self._pointer[0] > max_age:
            self._pointer = (now, await load_pointer(self.db, UserFactsProjection.name))
        return self._pointer[1]

    async def facts_of(self, user_id: str, min_position: int | None) -> UserFacts:
        ptr = await self._read_pointer(self.POINTER_TTL_SECONDS)
        deadline = time.monotonic() + FACTS_WAIT_SECONDS
        while min_position is not None and ptr.position < min_position:
            if ptr.stopped is not None or time.monotonic() > deadline:
                raise DomainError(f"the activity facts have not reached position {min_position} yet (they are at "
                                  f"{ptr.position}); retry", [], "unavailable")
            ptr = await self._read_pointer(0)
            if ptr.position < min_position:
                await asyncio.sleep(FACTS_POLL_SECONDS)
        doc = await self._document(ptr.collection, user_id)
        return facts_of(doc) if doc is not None else UserFacts(user_id)
