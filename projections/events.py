"""Events (promotions) read model: the fold, the listing with status, name and period filters, the detail, and
their JSON rendering.

The document and its rendering are the promotion's one shape (domain/promotion_shape.py).
Times are ISO strings (`iso`): they range-compare like instants, which the `inPeriod` filter relies on. An
open-ended period also gets `periodEndKey` = the largest ISO time, so the filter never compares with null (the
stand-in counts `{field: null}` matches wrongly).

`inPeriod=true` lists events whose period contains now, `[periodStart, periodEnd)`; `inPeriod=false` the others.
`name` matches a case-insensitive substring (regex metacharacters are escaped). Listings are newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final

from domain.clock import now_ms
from domain.events import RecordedEvent
from domain.promotion_events import EventActivated, EventCreated, EventDeactivated, EventUpdated, PromotionStatus
from domain.promotion_shape import details_document, promotion_json
from projections.base import Collection, Projection, fold, iso
from projections.paging import Paging, Sort, page_of

OPEN_END: Final = "9999-12-31T23:59:59.999Z"
NEWEST_FIRST: Final[Sort] = (("createdAt", -1), ("_id", 1))


class EventsProjection(Projection):
    name: ClassVar[str] = "events"
    handles: ClassVar[frozenset[str]] = frozenset(
        {"EventCreated", "EventUpdated", "EventActivated", "EventDeactivated"})
    indexes = (("createdAt", False), ("status", False), ("periodStart", False), ("periodEndKey", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        e = event.event
        match e:
            case EventCreated():
                await fold(coll, e.promotion_id, event.position, {"$set": {
                    **details_document(e.name, e.description, e.period_start, e.period_end, e.reward_condition),
                    "periodEndKey": iso(e.period_end) or OPEN_END, "status": str(e.status),
                    "createdBy": e.created_by, "createdAt": iso(e.created_at), "updatedAt": iso(e.created_at),
                    "updatedBy": e.created_by}})
            case EventUpdated():
                await fold(coll, e.promotion_id, event.position, {"$set": {
                    **details_document(e.name, e.description, e.period_start, e.period_end, e.reward_condition),
                    "periodEndKey": iso(e.period_end) or OPEN_END, "updatedAt": iso(e.updated_at),
                    "updatedBy": e.updated_by}})
            case EventActivated() | EventDeactivated():
                status = PromotionStatus.ACTIVE if isinstance(e, EventActivated) else PromotionStatus.INACTIVE
                await fold(coll, e.promotion_id, event.position, {"$set": {
                    "status": str(status), "updatedAt": iso(e.at), "updatedBy": e.changed_by}})


#: The one rendering of a promotion, which the handlers answer with too (domain/promotion_shape.py).
to_json = promotion_json


@dataclass(frozen=True)
class EventFilters:
    """The listing's filters; `None` = not filtered on."""

    status: PromotionStatus | None = None
    name: str | None = None
    in_period: bool | None = None

    def query(self, at: datetime) -> dict[str, Any]:
        """The filter at time `at`, conditions joined by an explicit `$and`: the stand-in ignores a field beside a
        top-level `$or`."""
        now = iso(at)
        conditions: list[dict[str, Any]] = []
        if self.status is not None:
            conditions.append({"status": str(self.status)})
        if self.name:
            conditions.append({"name": {"$regex": re.escape(self.name), "$options": "i"}})
        if self.in_period is True:
            conditions += [{"periodStart": {"$lte": now}}, {"periodEndKey": {"$gt": now}}]
        elif self.in_period is False:  # the two ways to be outside, as an $or: the stand-in has no $not
            conditions.append({"$or": [{"periodStart": {"$gt": now}}, {"periodEndKey": {"$lte": now}}]})
        return conditions[0] if len(conditions) == 1 else {"$and": conditions} if conditions else {}


async def find_page(coll: Collection, filters: EventFilters, paging: Paging) -> dict[str, Any]:
    """A page of events matching `filters`, newest first, rendered."""
    return await page_of(coll, filters.query(now_ms()), NEWEST_FIRST, paging, to_json)


async def find_one(coll: Collection, event_id: str) -> dict[str, Any] | None:
    """The rendered event, or None."""
    doc = await coll.find_one({"_id": event_id})
    return None if doc is None else to_json(doc)


async def exists(coll: Collection, event_id: str) -> bool:
    return await coll.find_one({"_id": event_id}, {"_id": 1}) is not None
