"""Reward requests read model: every request with its evaluation, decision and grant; the listing behind
`GET /reward-requests` (filters `eventId`, `rewardId`, `status`, `userId`, newest first) and the detail.

The document and its rendering are the domain's one shape of a request (domain/reward_request.py), so a read shows
what the command answered. Every fold of a request is a `$set` of fields: applying a request's events of a batch
as one merged `$set`, guarded by the last one's position, gives the same document whichever of them were already
folded (a crash mid-batch), so a batch is one unordered `bulk_write`, one write per request, whose duplicate-key
refusals are "already applied" exactly as in `fold()`. The listing's totals of all requests and of each status are
folded beside them (projections/counts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

from domain.events import DomainEvent, RecordedEvent
from domain.reward_request import (
    RequestStatus,
    RewardGranted,
    RewardRequestApproved,
    RewardRequested,
    RewardRequestRejected,
    decision_fields,
    grant_fields,
    request_document,
    request_json,
)
from projections import counts
from projections.base import Collection, Projection, fold_sets
from projections.paging import Paging, Sort, page_of

NEWEST_FIRST: Final[Sort] = (("requestedAt", -1), ("_id", -1))


def fields_of(event: DomainEvent) -> tuple[str, dict[str, Any]] | None:
    """The request an event changes and the fields it sets, or None for an event this read model ignores."""
    match event:
        case RewardRequested():
            doc = request_document(event)
            return event.request_id, {k: v for k, v in doc.items() if k != "_id"}
        case RewardRequestApproved() | RewardRequestRejected():
            return event.request_id, decision_fields(event)
        case RewardGranted():
            return event.request_id, grant_fields(event)
    return None


class RewardRequestsProjection(Projection):
    name: ClassVar[str] = "reward_requests"
    handles: ClassVar[frozenset[str]] = frozenset(
        {"RewardRequested", "RewardRequestApproved", "RewardRequestRejected", "RewardGranted"})
    #: Each filter's field then the sort key, so a filtered page is read in index order (projections/events.py);
    #: each also serves a lookup by that field alone.
    indexes = (("requestedAt", False), *((((field, 1), ("requestedAt", -1)), False)
                                         for field in ("userId", "eventId", "rewardId", "status")))

    async def create_indexes(self, coll: Collection) -> None:
        await counts.start(coll)  # before anything is folded into it: see projections/counts.py
        await super().create_indexes(coll)

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        await self.apply_batch(coll, [event])

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        await fold_sets(coll, ((change[0], event.position, change[1]) for event in events
                               if (change := fields_of(event.event)) is not None))
        await counts.apply_moves(coll, (move for event in events for move in count_moves(event)))


def count_moves(event: RecordedEvent) -> list[counts.Move]:
    """How a request's event moves the listing's folded totals (all, by status): a request starts PENDING and is
    decided once, from PENDING (domain/reward_request.py)."""
    match event.event:
        case RewardRequested():
            return counts.created(event.position, str(RequestStatus.PENDING))
        case RewardRequestApproved() | RewardRequestRejected():
            return counts.status_changed(event.position, str(RequestStatus.PENDING),
                                         decision_fields(event.event)["status"])
    return []


#: The one rendering of a request, which the handlers answer with too.
to_json = request_json


@dataclass(frozen=True)
class RequestFilters:
    """The listing's filters; `None` = not filtered on."""

    event_id: str | None = None
    reward_id: str | None = None
    status: RequestStatus | None = None
    user_id: str | None = None

    def query(self) -> dict[str, Any]:
        """Equality on each given field, side by side (an explicit `$and` is answered in Python on the stand-in:
        projections/paging.py)."""
        wanted = {"eventId": self.event_id, "rewardId": self.reward_id, "userId": self.user_id,
                  "status": str(self.status) if self.status is not None else None}
        return {field: value for field, value in wanted.items() if value is not None}


async def find_page(coll: Collection, filters: RequestFilters, paging: Paging) -> dict[str, Any]:
    """A page of requests matching `filters`, newest first, rendered; the total folded when it is all requests or
    one status's."""
    query = filters.query()
    folded = counts.key_of(query)
    total = None if folded is None else counts.counted(coll, folded)
    return await page_of(coll, query, NEWEST_FIRST, paging, to_json, total)


async def find_one(coll: Collection, request_id: str) -> dict[str, Any] | None:
    """The rendered request, or None."""
    doc = await coll.find_one({"_id": request_id})
    return None if doc is None else to_json(doc)
