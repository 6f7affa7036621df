"""Events (promotions) read model: the listing with status, name and period filters, and the detail.

Rules are kept as stored (`{version, rule}`) and upcast when read, so a later language version needs no replay.
Times are ISO strings (`iso`): they range-compare like instants, which the `inPeriod` filter relies on. An
open-ended period also gets `periodEndKey` = the largest ISO time, so the filter never compares with null (the
stand-in counts `{field: null}` matches wrongly)."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from domain.conditions import condition_to_json
from domain.events import RecordedEvent
from domain.promotion_events import EventActivated, EventCreated, EventDeactivated, EventStatus, EventUpdated
from domain.stored_condition import StoredCondition, load_condition
from projections.base import Collection, Projection, fold, iso

OPEN_END: Final = "9999-12-31T23:59:59.999Z"


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


def event_doc_to_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The API shape; equals `commands.promotions.event_view` of the same state."""
    return {"id": doc["_id"], "name": doc["name"], "description": doc["description"],
            "periodStart": doc["periodStart"], "periodEnd": doc.get("periodEnd"), "status": doc["status"],
            "rewardCondition": rule_json(doc.get("rewardCondition")), "createdBy": doc.get("createdBy"),
            "createdAt": doc["createdAt"], "updatedAt": doc["updatedAt"]}
