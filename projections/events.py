"""Events (promotions) read model: the fold, the listing with status, name and period filters, the detail, and
their JSON rendering.

The document and its rendering are the promotion's one shape (domain/promotion_shape.py).
Times are ISO strings (`iso`). The period is also kept as two integer keys, `periodStartMs` and `periodEndMs`
(milliseconds since the epoch; an open end is the largest ISO time's), which the `inPeriod` filter compares:
the stand-in takes a range over ISO strings for a date query and answers it in Python, decoding and sorting every
matching document (24 ms for a page at 5,000 events), and a range over integers in SQL (2 ms). A read model folded
before these keys existed gets them when a runner first opens it (`backfill_keys`).

`inPeriod=true` lists events whose period contains now, `[periodStart, periodEnd)`; `inPeriod=false` the others,
asked as its two disjoint sides (starts later; ended) and merged, as the stand-in cannot answer a `$or` beside
other fields in SQL (projections/paging.py). `name` matches a case-insensitive substring (regex metacharacters are
escaped); the stand-in answers it in Python (about 50 ms at 5,000 events).

Listings are newest first: `createdAt` descending, then `_id` ascending, kept as ONE string key, `newest`
(`newest_key`): the stand-in sorts a range filter's matches by two keys in Python (26 ms for a page of `inPeriod`
at 12,000 events) but by one indexed key in SQL (1.3 ms). For the same reason the `inPeriod=true` total is counted as
`#(started) - #(ended)`, each one range (1.5 and 0.9 ms), not as the two ranges together (13 ms): a period ends after
it starts, so every ended event has started."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final

from pymongo import UpdateOne

from domain.clock import epoch_ms, now_ms
from domain.events import RecordedEvent
from domain.promotion_events import EventActivated, EventCreated, EventDeactivated, EventUpdated, PromotionStatus
from domain.promotion_shape import details_document, promotion_json
from projections import counts
from projections.base import Collection, Projection, SetChange, fold_sets, iso
from projections.paging import Paging, Query, Sort, all_of, count, page_of_union

OPEN_END_MS: Final = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
NEWEST_FIRST: Final[Sort] = (("newest", -1),)
#: The `status` listing read in index order: sorting all 3,400 ACTIVE events of 5,000 took the stand-in 2.6 ms of
#: a page's 2.8 (0.2 ms with this index).
STATUS_NEWEST_FIRST: Final[Sort] = (("status", 1), ("newest", -1))


#: Printable ASCII reversed: an id's characters mapped so that a descending sort orders ids ascending.
_REVERSED: Final = {c: chr(0x9E - c) for c in range(0x20, 0x7F)}


def newest_key(created_at: datetime, event_id: str) -> str:
    """The listing's one sort key: sorted descending, it orders by `createdAt` descending, then `_id` ascending.
    The id's characters are reversed (printable ASCII, which every id is) and end with DEL, above them all, so a
    shorter id sorts before the longer ones it begins."""
    return f"{epoch_ms(created_at):013d}{event_id.translate(_REVERSED)}\x7f"


def period_keys(start: datetime, end: datetime | None) -> dict[str, int]:
    """The period as the `inPeriod` filter compares it (see the module docstring)."""
    return {"periodStartMs": epoch_ms(start), "periodEndMs": OPEN_END_MS if end is None else epoch_ms(end)}


class EventsProjection(Projection):
    name: ClassVar[str] = "events"
    handles: ClassVar[frozenset[str]] = frozenset(
        {"EventCreated", "EventUpdated", "EventActivated", "EventDeactivated"})
    indexes = (("newest", False), (STATUS_NEWEST_FIRST, False), ("periodStartMs", False), ("periodEndMs", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        await self.apply_batch(coll, [event])

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """Every fold is a `$set`: one write per promotion per batch (projections/base.py `fold_sets`), then the
        listing's folded totals in one write (projections/counts.py)."""
        await fold_sets(coll, (change for event in events if (change := promotion_change(event)) is not None))
        await counts.apply_moves(coll, (move for event in events for move in count_moves(event)))

    async def create_indexes(self, coll: Collection) -> None:
        """Also starts the counters of an empty collection, and gives the period keys to events folded before they
        existed (runners call this once per collection and process start, before folding into it): otherwise
        `inPeriod` would miss those events until a replay."""
        await counts.start(coll)
        await super().create_indexes(coll)
        await backfill_keys(coll)


def promotion_change(event: RecordedEvent) -> SetChange | None:
    """The promotion an event changes, at its position, and the fields it sets."""
    e = event.event
    match e:
        case EventCreated():
            return e.promotion_id, event.position, {
                **details_document(e.name, e.description, e.period_start, e.period_end, e.reward_condition),
                **period_keys(e.period_start, e.period_end), "status": str(e.status),
                "newest": newest_key(e.created_at, e.promotion_id), "createdBy": e.created_by,
                "createdAt": iso(e.created_at), "updatedAt": iso(e.created_at), "updatedBy": e.created_by}
        case EventUpdated():
            return e.promotion_id, event.position, {
                **details_document(e.name, e.description, e.period_start, e.period_end, e.reward_condition),
                **period_keys(e.period_start, e.period_end), "updatedAt": iso(e.updated_at),
                "updatedBy": e.updated_by}
        case EventActivated() | EventDeactivated():
            status = PromotionStatus.ACTIVE if isinstance(e, EventActivated) else PromotionStatus.INACTIVE
            return e.promotion_id, event.position, {"status": str(status), "updatedAt": iso(e.at),
                                                    "updatedBy": e.changed_by}
    return None


def count_moves(event: RecordedEvent) -> list[counts.Move]:
    """How an event moves the listing's folded totals (all, by status): a promotion is activated only while
    INACTIVE and deactivated only while ACTIVE (domain/promotion.py)."""
    match event.event:
        case EventCreated(status=status):
            return counts.created(event.position, str(status))
        case EventActivated():
            return counts.status_changed(event.position, str(PromotionStatus.INACTIVE), str(PromotionStatus.ACTIVE))
        case EventDeactivated():
            return counts.status_changed(event.position, str(PromotionStatus.ACTIVE), str(PromotionStatus.INACTIVE))
    return []


async def backfill_keys(coll: Collection) -> int:
    """Set the period keys and the sort key where they are missing, from the document's own period and creation;
    how many documents were set. Each write is guarded by the document's `_pos`: a fold meanwhile wins."""
    fields = {"periodStart": 1, "periodEnd": 1, "periodStartMs": 1, "createdAt": 1, "newest": 1, "_pos": 1}
    writes = [UpdateOne({"_id": doc["_id"], "_pos": doc["_pos"]}, {"$set": {
        **period_keys(datetime.fromisoformat(doc["periodStart"]),
                      datetime.fromisoformat(doc["periodEnd"]) if doc.get("periodEnd") else None),
        "newest": newest_key(datetime.fromisoformat(doc["createdAt"]), doc["_id"])}})
        async for doc in coll.find({}, fields) if "periodStartMs" not in doc or "newest" not in doc]
    if writes:
        await coll.bulk_write(writes, ordered=False)
    return len(writes)


#: The one rendering of a promotion, which the handlers answer with too (domain/promotion_shape.py).
to_json = promotion_json


@dataclass(frozen=True)
class EventFilters:
    """The listing's filters; `None` = not filtered on."""

    status: PromotionStatus | None = None
    name: str | None = None
    in_period: bool | None = None

    def queries(self, at: datetime, in_period_side: str | None = None) -> list[Query]:
        """The filter at time `at` as disjoint queries, whose union is the listing (one but for `inPeriod=false`).
        `in_period_side` "started" or "ended": the other filters and only that side of the period (for counting)."""
        now = epoch_ms(at)
        conditions: list[Query] = []
        if self.status is not None:
            conditions.append({"status": str(self.status)})
        if self.name:
            conditions.append({"name": {"$regex": re.escape(self.name), "$options": "i"}})
        if in_period_side is not None:
            side = {"periodStartMs": {"$lte": now}} if in_period_side == "started" else {"periodEndMs": {"$lte": now}}
            return [all_of([*conditions, side])]
        if self.in_period is True:
            conditions += [{"periodStartMs": {"$lte": now}}, {"periodEndMs": {"$gt": now}}]
        elif self.in_period is False:  # not started, or ended: never both, as a period ends after it starts
            return [all_of([*conditions, {"periodStartMs": {"$gt": now}}]),
                    all_of([*conditions, {"periodEndMs": {"$lte": now}}])]
        return [all_of(conditions)]


async def find_page(coll: Collection, filters: EventFilters, paging: Paging) -> dict[str, Any]:
    """A page of events matching `filters`, newest first, rendered."""
    at = now_ms()
    queries = filters.queries(at)
    folded = counts.key_of(queries[0]) if len(queries) == 1 else None
    total: Awaitable[int | None] | None = None
    if filters.in_period is True:
        total = in_period_total(coll, filters, at)
    elif folded is not None:
        total = counts.counted(coll, folded)
    return await page_of_union(coll, queries, NEWEST_FIRST, paging, to_json, total)


async def in_period_total(coll: Collection, filters: EventFilters, at: datetime) -> int:
    """How many events match `filters` (`inPeriod=true`): those started, less those ended (see the module doc)."""
    started, ended = filters.queries(at, in_period_side="started")[0], filters.queries(at, in_period_side="ended")[0]
    counted = await asyncio.gather(count(coll, started), count(coll, ended))
    return counted[0] - counted[1]


async def find_one(coll: Collection, event_id: str) -> dict[str, Any] | None:
    """The rendered event, or None."""
    doc = await coll.find_one({"_id": event_id})
    return None if doc is None else to_json(doc)


async def exists(coll: Collection, event_id: str) -> bool:
    return await coll.find_one({"_id": event_id}, {"_id": 1}) is not None
