"""Events (promotions) read model: the fold, the listing with status, name and period filters, the detail, and
their JSON rendering.

The document and its rendering are the promotion's one shape (domain/promotion_shape.py).
Times are ISO strings (`iso`). The period is also kept as two integer keys, `periodStartMs` and `periodEndMs`
(milliseconds since the epoch; an open end is the largest ISO time's), which the `inPeriod` filter compares:
the stand-in takes a range over ISO strings for a date query and answers it in Python, decoding and sorting every
matching document (24 ms for a page at 5,000 events), and a range over integers in SQL (2 ms). A read model folded
before these keys existed gets them when a runner first opens it (`backfill_period_keys`).

`inPeriod=true` lists events whose period contains now, `[periodStart, periodEnd)`; `inPeriod=false` the others,
asked as its two disjoint sides (starts later; ended) and merged, as the stand-in cannot answer a `$or` beside
other fields in SQL (projections/paging.py). `name` matches a case-insensitive substring (regex metacharacters are
escaped); the stand-in answers it in Python (about 50 ms at 5,000 events). Listings are newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Final

from pymongo import UpdateOne

from domain.clock import now_ms
from domain.events import RecordedEvent
from domain.promotion_events import EventActivated, EventCreated, EventDeactivated, EventUpdated, PromotionStatus
from domain.promotion_shape import details_document, promotion_json
from projections import counts
from projections.base import Collection, Projection, fold, iso
from projections.paging import Paging, Query, Sort, all_of, page_of_union

OPEN_END_MS: Final = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
NEWEST_FIRST: Final[Sort] = (("createdAt", -1), ("_id", 1))
#: The `status` listing read in index order: sorting all 3,400 ACTIVE events of 5,000 took the stand-in 2.6 ms of
#: a page's 2.8 (0.2 ms with this index).
STATUS_NEWEST_FIRST: Final[Sort] = (("status", 1), ("createdAt", -1))
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(at: datetime) -> int:
    """Whole milliseconds since the epoch (a naive time is UTC, as `iso` takes it)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(milliseconds=1)


def period_keys(start: datetime, end: datetime | None) -> dict[str, int]:
    """The period as the `inPeriod` filter compares it (see the module docstring)."""
    return {"periodStartMs": epoch_ms(start), "periodEndMs": OPEN_END_MS if end is None else epoch_ms(end)}


class EventsProjection(Projection):
    name: ClassVar[str] = "events"
    handles: ClassVar[frozenset[str]] = frozenset(
        {"EventCreated", "EventUpdated", "EventActivated", "EventDeactivated"})
    indexes = (("createdAt", False), (STATUS_NEWEST_FIRST, False), ("periodStartMs", False), ("periodEndMs", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        await self.apply_batch(coll, [event])

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """Each event's document, in order, then the listing's folded totals in one write (projections/counts.py)."""
        for event in events:
            await self._fold(coll, event)
        await counts.apply_moves(coll, (move for event in events for move in count_moves(event)))

    async def _fold(self, coll: Collection, event: RecordedEvent) -> None:
        e = event.event
        match e:
            case EventCreated():
                await fold(coll, e.promotion_id, event.position, {"$set": {
                    **details_document(e.name, e.description, e.period_start, e.period_end, e.reward_condition),
                    **period_keys(e.period_start, e.period_end), "status": str(e.status),
                    "createdBy": e.created_by, "createdAt": iso(e.created_at), "updatedAt": iso(e.created_at),
                    "updatedBy": e.created_by}})
            case EventUpdated():
                await fold(coll, e.promotion_id, event.position, {"$set": {
                    **details_document(e.name, e.description, e.period_start, e.period_end, e.reward_condition),
                    **period_keys(e.period_start, e.period_end), "updatedAt": iso(e.updated_at),
                    "updatedBy": e.updated_by}})
            case EventActivated() | EventDeactivated():
                status = PromotionStatus.ACTIVE if isinstance(e, EventActivated) else PromotionStatus.INACTIVE
                await fold(coll, e.promotion_id, event.position, {"$set": {
                    "status": str(status), "updatedAt": iso(e.at), "updatedBy": e.changed_by}})

    async def create_indexes(self, coll: Collection) -> None:
        """Also starts the counters of an empty collection, and gives the period keys to events folded before they
        existed (runners call this once per collection and process start, before folding into it): otherwise
        `inPeriod` would miss those events until a replay."""
        await counts.start(coll)
        await super().create_indexes(coll)
        await backfill_period_keys(coll)


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


async def backfill_period_keys(coll: Collection) -> int:
    """Set the period keys where they are missing, from the document's own period; how many were set. Each write
    is guarded by the document's `_pos`: a fold that changed the period meanwhile wins."""
    fields = {"periodStart": 1, "periodEnd": 1, "periodStartMs": 1, "_pos": 1}
    writes = [UpdateOne({"_id": doc["_id"], "_pos": doc["_pos"]}, {"$set": period_keys(
        datetime.fromisoformat(doc["periodStart"]),
        datetime.fromisoformat(doc["periodEnd"]) if doc.get("periodEnd") else None)})
        async for doc in coll.find({}, fields) if "periodStartMs" not in doc]
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

    def queries(self, at: datetime) -> list[Query]:
        """The filter at time `at` as disjoint queries, whose union is the listing (one but for `inPeriod=false`)."""
        now = epoch_ms(at)
        conditions: list[Query] = []
        if self.status is not None:
            conditions.append({"status": str(self.status)})
        if self.name:
            conditions.append({"name": {"$regex": re.escape(self.name), "$options": "i"}})
        if self.in_period is True:
            conditions += [{"periodStartMs": {"$lte": now}}, {"periodEndMs": {"$gt": now}}]
        elif self.in_period is False:  # not started, or ended: never both, as a period ends after it starts
            return [all_of([*conditions, {"periodStartMs": {"$gt": now}}]),
                    all_of([*conditions, {"periodEndMs": {"$lte": now}}])]
        return [all_of(conditions)]


async def find_page(coll: Collection, filters: EventFilters, paging: Paging) -> dict[str, Any]:
    """A page of events matching `filters`, newest first, rendered."""
    queries = filters.queries(now_ms())
    folded = counts.key_of(queries[0]) if len(queries) == 1 else None
    total = None if folded is None else counts.counted(coll, folded)
    return await page_of_union(coll, queries, NEWEST_FIRST, paging, to_json, total)


async def find_one(coll: Collection, event_id: str) -> dict[str, Any] | None:
    """The rendered event, or None."""
    doc = await coll.find_one({"_id": event_id})
    return None if doc is None else to_json(doc)


async def exists(coll: Collection, event_id: str) -> bool:
    return await coll.find_one({"_id": event_id}, {"_id": 1}) is not None
