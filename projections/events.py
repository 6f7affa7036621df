"""Events (promotions) read model: the fold, the listing with status, name and period filters, the detail, and
their JSON rendering.

Rules are kept as stored (`{version, rule}`) and upcast when read, so a later language version needs no replay.
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
from domain.conditions import condition_to_json
from domain.events import RecordedEvent
from domain.promotion_events import EventActivated, EventCreated, EventDeactivated, EventStatus, EventUpdated
from domain.stored_condition import StoredCondition, load_condition
from projections.base import Collection, Projection, fold, iso
from projections.paging import Paging, Sort, page_of

OPEN_END: Final = "9999-12-31T23:59:59.999Z"
NEWEST_FIRST: Final[Sort] = (("createdAt", -1), ("_id", 1))


def stored(condition: StoredCondition | None) -> dict[str, Any] | None:
    return None if condition is None else condition.model_dump()


def rule_json(doc_value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The current-version JSON of a rule kept in a read model as `{version, rule}`."""
    return None if doc_value is None else condition_to_json(load_condition(StoredCondition(**doc_value)))


class EventsProjection(Projection):
    name: ClassVar[str] = "events"
    handles: ClassVar[frozenset[str]] = frozenset(
        {"EventCreated", "EventUpdated", "EventActivated", "EventDeactivated"})
    indexes = (("createdAt", False), ("status", False), ("periodStart", False), ("periodEndKey", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        e = event.event
        match e:
            case EventCreated():
                await fold(coll, e.event_id, event.position, {"$set": {
                    "name": e.name, "description": e.description, "periodStart": iso(e.period_start),
                    "periodEnd": iso(e.period_end), "periodEndKey": iso(e.period_end) or OPEN_END,
                    "status": str(e.status),
                    "rewardCondition": stored(e.reward_condition), "createdBy": e.created_by,
                    "createdAt": iso(e.created_at), "updatedAt": iso(e.created_at), "updatedBy": e.created_by}})
            case EventUpdated():
                await fold(coll, e.event_id, event.position, {"$set": {
                    "name": e.name, "description": e.description, "periodStart": iso(e.period_start),
                    "periodEnd": iso(e.period_end), "periodEndKey": iso(e.period_end) or OPEN_END,
                    "rewardCondition": stored(e.reward_condition),
                    "updatedAt": iso(e.updated_at), "updatedBy": e.updated_by}})
            case EventActivated() | EventDeactivated():
                status = EventStatus.ACTIVE if isinstance(e, EventActivated) else EventStatus.INACTIVE
                await fold(coll, e.event_id, event.position, {"$set": {
                    "status": str(status), "updatedAt": iso(e.at), "updatedBy": e.changed_by}})


def to_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The API shape; equals `commands.promotions.event_view` of the same state."""
    return {"id": doc["_id"], "name": doc["name"], "description": doc["description"],
            "periodStart": doc["periodStart"], "periodEnd": doc.get("periodEnd"), "status": doc["status"],
            "rewardCondition": rule_json(doc.get("rewardCondition")), "createdBy": doc.get("createdBy"),
            "createdAt": doc["createdAt"], "updatedAt": doc["updatedAt"]}


@dataclass(frozen=True)
class EventFilters:
    """The listing's filters; `None` = not filtered on."""

    status: EventStatus | None = None
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
