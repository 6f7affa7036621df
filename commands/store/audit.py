"""The audit trail, read from the store's own commit documents (not from a read model holding a copy of every event,
which would double the work of every replay).

Each commit carries lookup keys written at append time (commands/store/mapper.py `commit_keys`): `userId`,
`eventId` (the promotion) and `type`, each the one value all its events share, `MIXED` when they differ, absent
(None) when none has one; each under a single-field index. A filter asks the index for the value (commits whose
events all match) and, separately, for `MIXED` (rare commits whose events are then matched one by one), merging
both newest first, so a mixed commit yields exactly its matching events.

Paging, newest first:
- no filter: positions are gapless, so page p starts at position `head - (p-1)*limit` (read by the position index);
- one stream: versions are gapless, so page p starts at version `last - (p-1)*limit` (stream/version index);
- any other filter: the matching commits are walked newest first, so a page costs its depth; pages deeper than
  `MAX_DEPTH` events are refused (a client goes deeper by narrowing `from`/`to`).
`total` is exact: the head, the stream's last version, or else a sum the server computes over the index's matches
(~2 us per matching commit on the stand-in; see docs/audit.md for the worst case).

Commits written before the keys existed get them from `backfill_keys`, run where the store's indexes are ensured:
paged by position, resumable, idempotent, marked done in `store_meta`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from commands.store.mapper import (
    MIXED,
    commit_keys,
    commit_to_events,
    event_promotion,
    event_user,
    last_version,
)
from domain.clock import epoch_ms
from domain.events import RecordedEvent

log = logging.getLogger("ledger.store")
COMMITS: Final = "commits"
META: Final = "store_meta"
BACKFILL_ID: Final = "audit-keys-v1"
KEYS: Final = ("userId", "eventId", "type")  # and `atMs`, the recorded time in ms
#: The deepest event a walked (filtered) page may reach: page * limit.
MAX_DEPTH: Final = 10_000
BACKFILL_PAGE: Final = 1000
_CHUNK_MIN: Final = 50
_SCAN_MAX: Final = 2000
#: How far out of position order a commit's recorded time may be (concurrent appends stamp it, then take the next
#: position): a scan for a range ending at `to` starts at the first commit recorded this long after it.
_SKEW_MS: Final = 1000
#: A type/time filter matching at least 1/DENSE_SHARE of the store is read down the position index (`_scan`).
DENSE_SHARE: Final = 10


def _ceil_ms(at: datetime) -> int:
    """The first whole millisecond at or after `at`."""
    return epoch_ms(at) + (1 if at.microsecond % 1000 else 0)


@dataclass(frozen=True)
class AuditFilter:
    """Every given field must hold (AND). `since`/`until` bound the time the event was recorded, both inclusive."""

    stream_id: str | None = None
    user_id: str | None = None
    event_id: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def _keys(self) -> dict[str, str]:
        wanted = {"userId": self.user_id, "eventId": self.event_id, "type": self.type}
        return {k: v for k, v in wanted.items() if v is not None}

    def _base(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.stream_id is not None:
            query["stream"] = self.stream_id
        if self.since or self.until:  # inclusive bounds on the stored whole milliseconds
            query["atMs"] = {**({"$gte": _ceil_ms(self.since)} if self.since else {}),
                             **({"$lte": epoch_ms(self.until)} if self.until else {})}
        return query

    def whole(self) -> dict[str, Any]:
        """Commits all of whose events match: every key equal (plain equality: the stand-in answers `$in` on an
        index ~20 times slower)."""
        return {**self._keys(), **self._base()}

    def mixed(self) -> list[dict[str, Any]]:
        """Commits that may hold some matching events: one query per key that is MIXED there (rare commits)."""
        keys = self._keys()
        return [{k: MIXED, **{o: {"$in": [v, MIXED]} for o, v in keys.items() if o != k}, **self._base()}
                for k in keys]

    def matches(self, stream_id: str, event: dict[str, Any]) -> bool:
        return ((self.user_id is None or event_user(stream_id, event) == self.user_id)
                and (self.event_id is None or event_promotion(stream_id, event) == self.event_id)
                and (self.type is None or event.get("type") == self.type))

    @property
    def only_stream(self) -> bool:
        return self.stream_id is not None and not self._keys() and not (self.since or self.until)

    @property
    def foldable(self) -> bool:
        """Only `type` and/or a time range: the filters whose matches can be most of the store, totalled from the
        folded counters (projections/audit_counts.py)."""
        return (self.stream_id is None and self.user_id is None and self.event_id is None
                and (self.type is not None or self.since is not None or self.until is not None))

    def span_ms(self) -> tuple[int | None, int | None]:
        """The recorded-time range [lo, hi) in whole milliseconds; None for an open end."""
        return (_ceil_ms(self.since) if self.since else None, epoch_ms(self.until) + 1 if self.until else None)

    @property
    def empty(self) -> bool:
        return self == AuditFilter()


async def head_of(commits: AsyncCollection[dict[str, Any]]) -> int:
    """The store's head: the last position of its newest commit (0 when empty); the event store's `head` too."""
    doc = await commits.find_one({}, {"last": 1}, sort=[("last", DESCENDING)])
    return int(doc["last"]) if doc else 0


class PageTooDeep(ValueError):
    """A walked page beyond MAX_DEPTH events."""


@dataclass(frozen=True)
class AuditPage:
    items: list[RecordedEvent]
    total: int


class AuditLog:
    """The audit's reads of the commit documents; the gateway uses nothing else of the store's collections."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._commits: AsyncCollection[dict[str, Any]] = db[COMMITS]

    async def head(self) -> int:
        return await head_of(self._commits)

    async def stream_exists(self, stream_id: str) -> bool:
        return await self._commits.find_one({"stream": stream_id}, {"_id": 1}) is not None

    async def page(self, f: AuditFilter, page: int, limit: int, upto: int | None = None,
                   total: int | None = None) -> AuditPage:
        """Page `page` of the events matching `f` among positions up to `upto` (the head when None), and their
        total: one snapshot. A walked filter's `total`, when the caller knows it (the gateway folds the ones of
        `type` and/or `from`/`to`: projections/audit_counts.py), is not counted again."""
        upto = await self.head() if upto is None else upto
        skip = (page - 1) * limit
        if f.empty:
            return AuditPage(await self._below("position", {}, upto - skip, limit), upto)
        if f.only_stream:
            last = await self._commits.find_one({"stream": f.stream_id, "position": {"$lte": upto}},
                                                sort=[("version", DESCENDING)])
            total = last_version(last) if last else 0
            return AuditPage(await self._below("version", {"stream": f.stream_id}, total - skip, limit), total)
        if skip + limit > MAX_DEPTH:
            raise PageTooDeep(f"a filtered page may reach at most {MAX_DEPTH} events deep; narrow from/to")
        if total is None:
            total = await self._count(f, upto)
        if f.foldable and total * DENSE_SHARE >= upto:
            return AuditPage(await self._scan(f, skip, limit, upto, total), total)
        return AuditPage(await self._walk(f, skip, min(skip + limit, total), upto), total)

    async def _below(self, key: str, query: dict[str, Any], top: int, limit: int) -> list[RecordedEvent]:
        """Up to `limit` events whose `key` (position or version) is at most `top`, newest first: at most `limit`
        commits, as each holds at least one (the stand-in computes a query's whole answer unless limited)."""
        if top < 1:
            return []
        docs = await self._commits.find({**query, key: {"$lte": top}}).sort(key, DESCENDING).limit(limit).to_list()
        out = [event for doc in docs for event in reversed(commit_to_events(doc, lenient=True))
               if (event.position if key == "position" else event.version) <= top]
        return out[:limit]

    async def _newest_first(self, query: dict[str, Any], chunk: int, upto: int) -> AsyncIterator[dict[str, Any]]:
        """The commits matching `query` up to position `upto`, newest first, read in limited chunks down the
        position index."""
        below = upto + 1
        while True:
            q = {**query, "position": {"$lt": below}}
            docs = await self._commits.find(q).sort("position", DESCENDING).limit(chunk).to_list()
            for doc in docs:
                yield doc
            if len(docs) < chunk:
                return
            below = int(docs[-1]["position"])

    async def _walk(self, f: AuditFilter, skip: int, end: int, upto: int) -> list[RecordedEvent]:
        """Matches `skip` to `end` (at most the total: a walk for a page past the last match would read every mixed
        commit): the uniform commits and the mixed ones, merged newest first; events matched one by one."""
        if end <= skip:
            return []
        limit = end - skip
        chunk = max(skip + limit, _CHUNK_MIN)  # one query reaches the page unless mixed commits hold non-matches
        sources = [self._newest_first(q, chunk, upto) for q in (f.whole(), *f.mixed())]
        heads: list[dict[str, Any] | None] = [await anext(s, None) for s in sources]
        seen: set[Any] = set()
        out: list[RecordedEvent] = []
        while len(out) < skip + limit and any(heads):
            i = max((i for i, h in enumerate(heads) if h), key=lambda i: int(heads[i]["position"]))  # type: ignore[index]
            doc = heads[i]
            assert doc is not None
            heads[i] = await anext(sources[i], None)
            if doc["_id"] in seen:  # a commit MIXED on two keys is found twice
                continue
            seen.add(doc["_id"])
            wanted = [f.matches(doc["stream"], e) for e in doc["events"]]
            out += [e for e, keep in zip(reversed(commit_to_events(doc, lenient=True)), reversed(wanted),
                                         strict=True) if keep]
        return out[skip:skip + limit]

    async def _scan(self, f: AuditFilter, skip: int, limit: int, upto: int, total: int) -> list[RecordedEvent]:
        """A common type or a wide range: down the position index, matched here. The stand-in answers an indexed
        `type` or `atMs` query sorted by position by sorting every match (2.8 s for the 671,000 activities of the
        810,000-event store), while this reads about `upto / total` commits per event of the page."""
        lo, hi = f.span_ms()
        chunk = min(_SCAN_MAX, max(_CHUNK_MIN, (skip + limit) * upto // max(total, 1)))
        top = upto
        if hi is not None:  # start just above the range's end, not at the head (a range in the past)
            after = await self._commits.find_one({"atMs": {"$gte": hi + _SKEW_MS}}, {"position": 1},
                                                 sort=[("atMs", ASCENDING)])
            top = min(upto, int(after["position"])) if after else upto
        out: list[RecordedEvent] = []
        async for doc in self._newest_first({}, chunk, top):
            at = int(doc.get("atMs", 0))
            if (lo is None or at >= lo) and (hi is None or at < hi):
                out += [e for e in reversed(commit_to_events(doc, lenient=True))
                        if f.type is None or e.type == f.type]
            if len(out) >= skip + limit:
                break
        return out[skip:skip + limit]

    async def _count(self, f: AuditFilter, upto: int) -> int:
        """Events matching `f` up to position `upto`: uniform commits summed by the server (sum of `last` - sum of
        `position` + count, ~2 us a commit on the stand-in, against ~70 us for `count_documents`), mixed ones event
        by event. For the filters naming a user, promotion or stream, whose matches are few."""
        upto_q = {"position": {"$lte": upto}}
        rows = await (await self._commits.aggregate([
            {"$match": {**f.whole(), **upto_q}},
            {"$group": {"_id": None, "last": {"$sum": "$last"}, "first": {"$sum": "$position"}, "n": {"$sum": 1}}},
        ])).to_list()
        total = sum(int(r["last"]) - int(r["first"]) + int(r["n"]) for r in rows)  # no row (MongoDB) when none
        seen: set[Any] = set()
        for query in f.mixed():
            async for doc in self._commits.find({**query, **upto_q}, {"stream": 1, "events": 1}):
                if doc["_id"] not in seen:
                    seen.add(doc["_id"])
                    total += sum(f.matches(doc["stream"], e) for e in doc["events"])
        return total

    async def count_in(self, spans: list[tuple[int, int]], event_type: str | None, upto: int) -> int:
        """Events of `event_type` (any when None) up to position `upto` recorded in the spans [a, b) (ms): the
        partial seconds at the ends of a folded total, a second of events each. Asked by time only: the stand-in
        would plan `type` + `atMs` on the type index and walk every commit of the type."""
        total = 0
        for a, b in spans:
            async for doc in self._commits.find({"atMs": {"$gte": a, "$lt": b}}, {"position": 1, "events": 1}):
                total += sum(1 for i, e in enumerate(doc.get("events") or []) if int(doc["position"]) + i <= upto
                             and (event_type is None or e.get("type") == event_type))
        return total


async def ensure_audit_indexes(commits: AsyncCollection[dict[str, Any]]) -> None:
    for key in KEYS:
        await commits.create_index(key)
    await commits.create_index("atMs")


async def backfill_keys(db: AsyncDatabase[dict[str, Any]], page_size: int = BACKFILL_PAGE) -> int:
    """Give every commit written before the lookup keys existed its keys. Pages go up the position index from the
    cursor saved in `store_meta` (resumable: an interrupted run goes on where it stopped); the keys are a function of
    the commit, so writing them twice changes nothing (idempotent); done once it passes the head it started at
    (later commits are written with keys), and marked so, so later starts skip it. Returns the commits updated."""
    meta = db[META]
    state = await meta.find_one({"_id": BACKFILL_ID}) or {}
    if state.get("done"):
        return 0
    commits, cursor, updated = db[COMMITS], int(state.get("after", 0)), 0
    end = await AuditLog(db).head()
    while cursor < end:
        docs = await commits.find({"position": {"$gt": cursor}},
                                  {"stream": 1, "events": 1, "at": 1, "atMs": 1, "last": 1}
                                  ).sort("position", ASCENDING).limit(page_size).to_list()
        if not docs:
            break
        stale = [UpdateOne({"_id": d["_id"]}, {"$set": {**commit_keys(d["stream"], d["events"]),
                                                       "atMs": epoch_ms(d["at"])}})
                 for d in docs if "atMs" not in d]
        if stale:
            await commits.bulk_write(stale, ordered=False)
        updated, cursor = updated + len(stale), int(docs[-1]["last"])
        await meta.update_one({"_id": BACKFILL_ID}, {"$set": {"after": cursor}}, upsert=True)
        log.info("audit keys backfill: up to position %d of %d, %d commits updated", cursor, end, updated)
    await meta.update_one({"_id": BACKFILL_ID}, {"$set": {"done": True, "after": cursor}}, upsert=True)
    return updated
