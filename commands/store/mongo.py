"""The MongoDB recorder. Appends go through one writer task per process that batches concurrent commits into one
ordered `insert_many` (group commit): the stand-in answers ~1,600 round trips/s, so batching is where throughput
comes from. Ordered inserts stop at the first refused commit; the ones before it are stored, it is diagnosed, and
the ones after it are retried at fresh positions, so positions never get a gap."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from base.metrics import APPEND_BATCH, APPEND_CONFLICTS, APPEND_LATENCY
from commands.store.audit import COMMITS, backfill_keys, ensure_audit_indexes, head_of
from commands.store.base import Appended, AppendResult, ClaimTaken, ConcurrencyError, NewCommit, new_event_ids
from commands.store.mapper import commit_to_doc, commit_to_events, event_to_doc, last_version
from commands.store.memory import result_of
from domain.events import RecordedEvent

__all__ = ["COMMITS", "MongoEventStore"]
MAX_GROUP = 256
MAX_RETRIES = 1000
MAX_KNOWN_ENDS = 100_000


@dataclass
class _Pending:
    commit: NewCommit
    events: list[dict[str, Any]]
    future: asyncio.Future[AppendResult]
    started: float


class _PositionTaken(Exception):
    """Another process took the slot: re-read the tail and retry."""


class MongoEventStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]],
                 on_appended: Callable[[int], None] | None = None) -> None:
        self._db = db
        self._commits: AsyncCollection[dict[str, Any]] = db[COMMITS]
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._tail: int | None = None
        self._writer: asyncio.Task[None] | None = None
        self._on_appended = on_appended
        self._ends: dict[str, int] = {}  # stream -> a version one of its stored commits ends at
        self._appended = Appended()  # what a commit's `after` must name

    async def ensure_indexes(self) -> None:
        await self._commits.create_index("position", unique=True)
        await self._commits.create_index("last", unique=True)
        await self._commits.create_index([("stream", ASCENDING), ("version", ASCENDING)], unique=True)
        # The stand-in plans queries on single-field indexes only: without this one every stream read, even of an
        # exact (stream, version), scanned the log (92-355 ms at 50,000 commits; 1-3 ms with it). Real MongoDB
        # would use the compound index's prefix; the extra index costs it a little on each insert.
        await self._commits.create_index("stream")
        await self._commits.create_index("claim", unique=True)
        await ensure_audit_indexes(self._commits)  # the audit's lookup keys (commands/store/audit.py)
        await backfill_keys(self._db)

    async def close(self) -> None:
        if self._writer:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    async def append(self, commit: NewCommit) -> AppendResult:
        events = [event_to_doc(e, i) for e, i in zip(commit.events, new_event_ids(len(commit.events)), strict=True)]
        future: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(commit, events, future, time.perf_counter()))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="event-store-writer")
        return await future

    async def _write_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_GROUP:
                batch.append(self._queue.get_nowait())
            try:
                await self._write(batch)
            except Exception as exc:  # the store is down: fail these callers, keep serving later ones
                self._tail = None
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(exc)

    def _docs(self, pending: list[_Pending], tail: int) -> list[dict[str, Any]]:
        docs, position, now = [], tail + 1, datetime.now(UTC)
        for p in pending:
            c, meta = p.commit, p.commit.metadata
            docs.append(commit_to_doc(c.stream_id, c.expected_version + 1, position, p.events, c.commit_id,
                                      c.claim, meta.actor, meta.correlation_id, meta.causation_id, now))
            position += len(p.events)
        return docs

    async def _write(self, pending: list[_Pending]) -> None:
        for _ in range(MAX_RETRIES):
            pending = await self._refuse_unfounded(pending)
            if not pending:
                return
            if self._tail is None:
                self._tail = await self.head()
            docs = self._docs(pending, self._tail)
            APPEND_BATCH.observe(len(docs))
            try:
                await self._commits.insert_many(docs, ordered=True)
                stored = len(docs)
            except BulkWriteError as exc:
                stored = int(exc.details.get("nInserted", 0))
            if stored:
                self._tail = docs[stored - 1]["last"]
                # Before the callers wake: the append notification is scheduled ahead of their replies, so another
                # gateway hears of the write before the writer's client can ask it to read it.
                if self._on_appended:
                    self._on_appended(self._tail)
            for p, doc in zip(pending[:stored], docs[:stored], strict=True):
                self._known_end(doc["stream"], last_version(doc))
                self._appended.add(p.commit.append_id)
                self._done(p, result_of(doc, duplicate=False))
            if stored == len(docs):
                return
            refused, doc = pending[stored], docs[stored]
            try:
                self._done(refused, await self._diagnose(doc))
                pending = pending[stored + 1:]
            except _PositionTaken:
                APPEND_CONFLICTS.labels("position").inc()
                self._tail = None
                pending = pending[stored:]
            except (ClaimTaken, ConcurrencyError) as exc:
                APPEND_CONFLICTS.labels("claim" if isinstance(exc, ClaimTaken) else "version").inc()
                if not refused.future.done():  # its caller may have been cancelled meanwhile
                    refused.future.set_exception(exc)
                pending = pending[stored + 1:]
        raise RuntimeError("event store append retried too often")

    async def _refuse_unfounded(self, pending: list[_Pending]) -> list[_Pending]:
        """Refuse commits whose expected version no commit of the stream ended at (inside a multi-event commit, or
        past the stream's end): the (stream, version) index sees only each commit's first version, so it would let
        them in. Versions this process has written or read need no query; nor does one ended by an earlier kept
        commit of this group (if that one is refused at insert, the next round asks again). Refuse too a commit
        decided `after` one that was not stored by this store, and is not kept earlier in this group."""
        chained: dict[str, int] = {}
        unknown: dict[int, NewCommit] = {}
        for p in pending:
            c = p.commit
            if c.expected_version and c.expected_version not in (self._ends.get(c.stream_id),
                                                                 chained.get(c.stream_id)):
                unknown[id(p)] = c
            chained[c.stream_id] = c.expected_version + len(p.events)
        if not unknown and not any(p.commit.after for p in pending):
            return pending
        found = await asyncio.gather(*(self._ends_at(c.stream_id, c.expected_version) for c in unknown.values()))
        ends = {(c.stream_id, c.expected_version) for c, ok in zip(unknown.values(), found, strict=True) if ok}
        kept: list[_Pending] = []
        kept_end: dict[str, int] = {}  # stream -> where the kept commits of this group before it end
        kept_ids: set[str] = set()
        for p in pending:
            c = p.commit
            if (c.after and c.after not in kept_ids and c.after not in self._appended) or (
                    c.expected_version and c.expected_version != kept_end.get(c.stream_id) and not (
                        (c.stream_id, c.expected_version) in ends
                        or (id(p) not in unknown and c.expected_version == self._ends.get(c.stream_id)))):
                APPEND_CONFLICTS.labels("version").inc()
                if not p.future.done():
                    p.future.set_exception(ConcurrencyError(c.stream_id, c.expected_version))
                continue
            kept_end[c.stream_id] = c.expected_version + len(p.events)
            kept_ids.add(c.append_id)
            kept.append(p)
        return kept

    async def _ends_at(self, stream_id: str, version: int) -> bool:
        """Does a stored commit of the stream end at `version`? (Commits of a stream follow each other.)"""
        doc = await self._commits.find_one({"stream": stream_id, "version": {"$lte": version}},
                                           sort=[("version", DESCENDING)])
        return doc is not None and last_version(doc) == version

    def note_end(self, stream_id: str, version: int) -> None:
        self._known_end(stream_id, version)

    def _known_end(self, stream_id: str, version: int) -> None:
        if len(self._ends) >= MAX_KNOWN_ENDS:
            self._ends.clear()
        self._ends[stream_id] = version

    def _done(self, p: _Pending, result: AppendResult) -> None:
        APPEND_LATENCY.observe(time.perf_counter() - p.started)
        if not p.future.done():
            p.future.set_result(result)

    async def _diagnose(self, doc: dict[str, Any]) -> AppendResult:
        """Which unique index refused `doc`? Asked by query, as the stand-in's error does not name the key."""
        if (first := await self._commits.find_one({"_id": doc["_id"]})) is not None:
            return result_of(first, duplicate=True)
        # A taken version or claim refuses the commit wherever it goes, so they are asked before the position (the
        # desk's conflicts, the common case, then cost two reads).
        if await self._commits.find_one({"stream": doc["stream"], "version": doc["version"]}, {"_id": 1}):
            raise ConcurrencyError(doc["stream"], doc["version"] - 1)
        if await self._commits.find_one({"claim": doc["claim"]}, {"_id": 1}) is not None:
            raise ClaimTaken(doc["claim"])
        raise _PositionTaken  # the position or `last` index, or a conflict that has since gone: retry at a new tail

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        query: dict[str, Any] = {"stream": stream_id}
        if after_version:
            query["version"] = {"$gt": after_version}
        cursor = self._commits.find(query).sort("version", ASCENDING)
        events = [e async for doc in cursor for e in commit_to_events(doc)]
        if events:
            self._known_end(stream_id, events[-1].version)
        return events

    async def read_all(self, from_position: int, limit: int = 1000) -> list[RecordedEvent]:
        cursor = self._commits.find({"last": {"$gte": from_position}}).sort("last", ASCENDING).limit(limit)
        return [e async for doc in cursor for e in commit_to_events(doc, lenient=True)
                if e.position >= from_position]

    async def head(self) -> int:
        return await head_of(self._commits)

    async def stream_of_claim(self, claim: str) -> str | None:
        doc = await self._commits.find_one({"claim": claim}, {"stream": 1})
        return str(doc["stream"]) if doc else None

    async def claimed(self, claim: str) -> list[RecordedEvent]:
        doc = await self._commits.find_one({"claim": claim})
        return commit_to_events(doc) if doc else []
