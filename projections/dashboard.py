"""Dashboards read model: folded totals and time buckets, so every dashboard is a few reads by `_id`
(definitions of every figure: docs/dashboards.md).

Counters (the companion collection, projections/counts.py) are moved by `counts.apply_moves`, each once:
- `totals`: fields `events:<status>`, `rewards:<type>`, `requests:<status>`, `users`, `participants`, `attached`.
- per hour, day and ISO week bucket, the fields of `BUCKET_FIELDS` that something moved, plus, for days only,
  `lastActive`: how many users' latest activity falls on that day (so the headline active users of a window of
  days is one sum, exact, without a scan). A bucket's fields are `<column>@<slot>` fields of its page document (the
  hours of a day, the days of a month, the weeks of a year: projections/dashboard_buckets.py `page_of`), so a
  catch-up batch moves a few dozen pages rather than one document per hour, and the longest timeline is ~42 reads.

State the counters are derived from lives in the read model's own collection, one document each:
- `a:<user>`: the user's active days and hours, one field per active day (its key, `d:2026-11-25`) holding the
  day's active hours as a 24-bit mask, and `last`, the latest of those days. One document per user, because a state
  write is most of a batch's cost on the stand-in (~0.1-0.2 ms a document): a batch writes it at most once (only
  the fields it changed), whatever the user did in it, and an activity in an hour already marked writes nothing.
  It grows by a field per day the user was ever active (~25 bytes): activities may be backdated arbitrarily, so
  exactness needs the whole history;
- `p:<user>` marks a participant (a user with a reward request);
- `r:<request>` the request's `requestedAt` (milliseconds), read when it is decided.

Crash safety without transactions: a batch reads the state documents it touches (one `find`), derives every move
from them, writes the counters FIRST (guarded by their `_pos`), then the state. A crash between the two leaves the
state as it was (or some documents written, each whole for the batch), so the refold derives the same moves, or
none for what was written, at the same positions, which the counters' guards skip. So a batch costs three round
trips (read state, write counters, write state) whatever its size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from domain.activity_record import UserActivityRecorded
from domain.clock import epoch_ms
from domain.events import RecordedEvent
from domain.promotion_events import (
    EventActivated,
    EventCreated,
    EventDeactivated,
    RewardAttachedToEvent,
    RewardDetachedFromEvent,
)
from domain.reward import RewardCreated
from domain.reward_request import RewardRequestApproved, RewardRequested, RewardRequestRejected
from domain.user import UserLoggedIn, UserRegistered
from projections import counts
from projections.base import Collection, Projection, refused_as_duplicates
from projections.dashboard_buckets import Bucket, cell, decision_bin, key, keys, page_of, week_days

TOTALS: Final = "totals"
#: The per-bucket counts every granularity keeps (docs/dashboards.md says what each counts and by which time).
BUCKET_FIELDS: Final = ("eventsCreated", "requested", "approved", "rejected", "decisionMs", "newUsers",
                        "activities", "activeUsers")


def ttd_field(index: int) -> str:
    return f"ttd{index}"


@dataclass
class _Batch:
    """One batch's state documents (as read, then as changed), the fields it changed, and the counter moves."""

    state: dict[str, dict[str, Any] | None]
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)  # document -> the fields to `$set`
    moves: list[counts.Move] = field(default_factory=list)
    fresh: set[str] = field(default_factory=set)  # the state documents absent when read

    def move(self, counter: str, position: int, delta: int = 1) -> None:
        self.moves.append((counter, position, delta))

    def in_buckets(self, at: datetime, name: str, position: int, delta: int = 1) -> None:
        for bucket_key in keys(at):
            self.move(cell(bucket_key, name), position, delta)

    def put(self, doc_id: str, fields: dict[str, Any]) -> None:
        """Set `fields` of state document `doc_id` (created if absent), in memory and for `write_state`."""
        doc = self.state.get(doc_id)
        if doc is None:
            doc = self.state[doc_id] = {}
        doc.update(fields)
        self.changed.setdefault(doc_id, {}).update(fields)

    def mark(self, doc_id: str, position: int) -> bool:
        """Create marker `doc_id` unless it exists; True if this event created it."""
        if self.state.get(doc_id) is not None:
            return False
        self.put(doc_id, {"pos": position})
        return True

    def active(self, user_id: str, at: datetime, position: int) -> None:
        """Count the user active in `at`'s hour, day and week, each the first time, and move the user's latest
        active day (`lastActive`: one user less on the old day, one more on the new) if `at` is later."""
        hour, day, week = keys(at)
        doc_id, bit = f"a:{user_id}", 1 << int(hour[-2:])
        doc = self.state.get(doc_id) or {}
        hours = int(doc.get(day, 0))
        if hours & bit:  # the hour is marked, so its day and week are, and `last` is at least its day
            return
        self.move(cell(hour, "activeUsers"), position)
        changes: dict[str, Any] = {day: hours | bit}
        if not hours:
            self.move(cell(day, "activeUsers"), position)
            if not any(other in doc for other in week_days(week)):
                self.move(cell(week, "activeUsers"), position)
            last = doc.get("last")
            if last is None or day > last:
                if last is not None:
                    self.move(cell(last, "lastActive"), position, -1)
                self.move(cell(day, "lastActive"), position)
                changes["last"] = day
        self.put(doc_id, changes)


def state_ids(event: RecordedEvent) -> list[str]:
    """The state documents folding `event` reads."""
    e = event.event
    match e:
        case UserActivityRecorded() | UserLoggedIn():
            return [f"a:{e.user_id}"]
        case RewardRequested():
            return [f"p:{e.user_id}", f"r:{e.request_id}"]
        case RewardRequestApproved() | RewardRequestRejected():
            return [f"r:{e.request_id}"]
    return []


def activity_time(event: RecordedEvent) -> datetime | None:
    """When a user was active: the activity's own time, or the login's."""
    e = event.event
    if isinstance(e, UserActivityRecorded):
        return e.occurred_at
    return e.logged_in_at if isinstance(e, UserLoggedIn) else None


class DashboardProjection(Projection):
    name: ClassVar[str] = "dashboard"
    handles: ClassVar[frozenset[str]] = frozenset({
        "UserRegistered", "UserLoggedIn", "UserActivityRecorded", "EventCreated", "EventActivated",
        "EventDeactivated", "RewardCreated", "RewardAttachedToEvent", "RewardDetachedFromEvent", "RewardRequested",
        "RewardRequestApproved", "RewardRequestRejected"})

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        await self.apply_batch(coll, [event])

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """Read the touched state, derive the moves in position order, write counters, then state (see the
        module docstring for why that order)."""
        batch = await derive(coll, events)
        await counts.apply_moves(coll, batch.moves)
        await write_state(coll, batch.changed, batch.fresh)


async def derive(coll: Collection, events: list[RecordedEvent]) -> _Batch:
    """A batch's counter moves and state changes, from the state documents it touches (one `find`)."""
    wanted = list(dict.fromkeys(doc_id for event in events for doc_id in state_ids(event)))
    batch = _Batch(dict.fromkeys(wanted))
    if wanted:
        async for doc in coll.find({"_id": {"$in": wanted}}):
            batch.state[doc["_id"]] = doc
    batch.fresh = {doc_id for doc_id, doc in batch.state.items() if doc is None}
    for event in events:
        fold_event(batch, event)
    return batch


def fold_event(batch: _Batch, event: RecordedEvent) -> None:
    """The moves and state changes of one event."""
    e, p = event.event, event.position
    match e:
        case UserRegistered():
            batch.move(f"{TOTALS}#users", p)
            batch.in_buckets(e.registered_at, "newUsers", p)
        case UserActivityRecorded() | UserLoggedIn():
            at = activity_time(event)
            assert at is not None
            if isinstance(e, UserActivityRecorded):
                batch.in_buckets(at, "activities", p)
            batch.active(e.user_id, at, p)
        case EventCreated():
            batch.move(f"{TOTALS}#events:{e.status}", p)
            batch.in_buckets(e.created_at, "eventsCreated", p)
        case EventActivated() | EventDeactivated():  # only ever from the other status (domain/promotion.py)
            before, after = ("INACTIVE", "ACTIVE") if isinstance(e, EventActivated) else ("ACTIVE", "INACTIVE")
            batch.move(f"{TOTALS}#events:{before}", p, -1)
            batch.move(f"{TOTALS}#events:{after}", p)
        case RewardCreated():
            batch.move(f"{TOTALS}#rewards:{e.spec.type}", p)
        case RewardAttachedToEvent():
            batch.move(f"{TOTALS}#attached", p)
        case RewardDetachedFromEvent():
            batch.move(f"{TOTALS}#attached", p, -1)
        case RewardRequested():
            batch.move(f"{TOTALS}#requests:PENDING", p)
            batch.in_buckets(e.requested_at, "requested", p)
            if batch.mark(f"p:{e.user_id}", p):
                batch.move(f"{TOTALS}#participants", p)
            batch.put(f"r:{e.request_id}", {"requestedAtMs": epoch_ms(e.requested_at)})
        case RewardRequestApproved() | RewardRequestRejected():
            status = "APPROVED" if isinstance(e, RewardRequestApproved) else "REJECTED"
            batch.move(f"{TOTALS}#requests:PENDING", p, -1)
            batch.move(f"{TOTALS}#requests:{status}", p)
            batch.in_buckets(e.decided_at, status.lower(), p)
            request = batch.state.get(f"r:{e.request_id}")
            if request is not None:  # always, but for a store whose request event could not be read
                took = max(0, epoch_ms(e.decided_at) - int(request["requestedAtMs"]))
                batch.in_buckets(e.decided_at, "decisionMs", p, took)
                batch.in_buckets(e.decided_at, ttd_field(decision_bin(took / 1000)), p)


async def write_state(coll: Collection, changed: dict[str, dict[str, Any]], fresh: set[str]) -> None:
    """The state documents a batch changed, at their final values: the new ones in one unordered `insert_many`
    (about half the stand-in's cost of an upsert), the others in one unordered bulk of `$set`s of the fields the
    batch changed."""
    new = [{**fields, "_id": doc_id} for doc_id, fields in changed.items() if doc_id in fresh]
    updates = [UpdateOne({"_id": doc_id}, {"$set": fields}, upsert=True)
               for doc_id, fields in changed.items() if doc_id not in fresh]
    if new:
        await _unless_written(coll.insert_many(new, ordered=False))
    if updates:
        await _unless_written(coll.bulk_write(updates, ordered=False))


async def _unless_written(write: Awaitable[object]) -> None:
    """Await `write`; a duplicate `_id` is a document written meanwhile by another fold of the same events, with
    the same values."""
    try:
        await write
    except BulkWriteError as exc:
        refused_as_duplicates(exc)


# --- reading -------------------------------------------------------------------------------------------------

async def read_counters(coll: Collection, ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Counter documents by `_id` (one `find`); a missing one is empty."""
    wanted = list(ids)
    out: dict[str, dict[str, int]] = {doc_id: {} for doc_id in wanted}
    async for doc in counts.counters(coll).find({"_id": {"$in": wanted}}):
        out[doc["_id"]] = {k: int(v) for k, v in doc.items() if k not in ("_id", "_pos")}
    return out


async def read_buckets(coll: Collection, bucket_keys: Iterable[str], *others: str) -> dict[str, dict[str, int]]:
    """The counters of buckets `bucket_keys` (each `{column: n}`, empty when nothing moved it), read from their
    pages, with the counter documents `others` (e.g. `totals`) in the same `find`."""
    wanted = list(bucket_keys)
    pages = await read_counters(coll, [*others, *dict.fromkeys(page_of(k)[0] for k in wanted)])
    slots: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for page, fields in pages.items():
        for name, n in fields.items() if page not in others else ():
            column, _, slot = name.partition("@")
            slots[page, slot][column] = n
    return {**{doc: pages[doc] for doc in others}, **{k: slots.get(page_of(k), {}) for k in wanted}}


def active_window_days(today: datetime, days: int) -> list[str]:
    """The day keys of the `days` UTC days ending with `today`'s."""
    return [key(today - timedelta(days=back), Bucket.DAY) for back in range(days)]
