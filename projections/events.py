"""Events (promotions) read model: the listing with status, name and period filters, and the detail.

The document and its rendering are the promotion's one shape (domain/promotion_shape.py).
Times are ISO strings (`iso`): they range-compare like instants, which the `inPeriod` filter relies on. An
open-ended period also gets `periodEndKey` = the largest ISO time, so the filter never compares with null (the
stand-in counts `{field: null}` matches wrongly)."""

from __future__ import annotations

from typing import ClassVar, Final

from domain.events import RecordedEvent
from domain.promotion_events import EventActivated, EventCreated, EventDeactivated, EventUpdated, PromotionStatus
from domain.promotion_shape import details_document, promotion_json
from projections.base import Collection, Projection, fold, iso

OPEN_END: Final = "9999-12-31T23:59:59.999Z"


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


#: The one rendering of a promotion, which the handlers answer with too.
event_doc_to_json = promotion_json
