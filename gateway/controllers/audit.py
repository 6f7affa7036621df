"""The audit trail (ADMIN/AUDITOR) and a promotion's history (OPERATOR/ADMIN/AUDITOR), read from the store's commits
through commands/store/audit.py: always current, no read model behind it. What each filter means: docs/audit.md.

One snapshot per answer: a page's items and its `total` count the same events, those up to one position P.
- Filters of `type` and/or `from`/`to` (no user, promotion or stream), whose matches can be most of the store, are
  totalled from folded counters (projections/audit_counts.py): the route waits for that projection as every GET
  waits for its read model (the head known on arrival, `?minPosition=`, `Ledger-Lag`), and P is its folded position.
- Other filters count their few matches from the store and P is the store's head: `?minPosition=` beyond it (no
  write acknowledged it) is 503 with Retry-After."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Final

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from commands.store.audit import MAX_DEPTH, AuditFilter, AuditLog, AuditPage, PageTooDeep
from gateway.answers import not_found
from gateway.controllers.base import ListingController
from gateway.docs import GUARDED, READ, problem_responses
from gateway.guards import requires, requires_reader
from gateway.paging import Paging
from gateway.path_params import EventId
from gateway.problems import BadRequest, Unavailable
from gateway.query_times import instant
from gateway.readmodels import POLL_SECONDS, ReadModels
from gateway.resources.audit import AuditEventOut, AuditPageOut
from projections import audit_counts, counts
from projections.pointers import load_pointer

requires_auditor = requires("ADMIN", "AUDITOR")
_ID: Final = {"min_length": 1, "max_length": 160}
#: How long an answer retries while the counters are a batch ahead of their pointer (the runners write a batch's
#: counters, then advance every pointer at once), before counting the matches from the store instead.
AHEAD_RETRIES: Final = 50
_TIME: Final = "ISO-8601 with a zone, e.g. 2026-11-25T10:00:00Z; bounds the time the event was recorded"
_PAGING_DOC: Final = (f"Newest first. Unfiltered and single-stream pages go straight to their position; other "
                      f"filters walk the matches, so `page * limit` may not exceed {MAX_DEPTH} there (400 naming "
                      f"`page`): narrow `from`/`to` instead.")


def _instant(name: str, value: str | None) -> datetime | None:
    return None if value is None else instant(name, value, zone_required=True)


async def _page(read_models: ReadModels, f: AuditFilter, paging: Paging, min_position: int | None) -> AuditPageOut:
    log = AuditLog(read_models.db)
    try:
        found = await (_folded_page(read_models, log, f, paging, min_position) if f.foldable
                       else _store_page(log, f, paging, min_position))
    except PageTooDeep as exc:
        raise BadRequest.parameter("page", str(exc)) from None
    return AuditPageOut(items=[AuditEventOut.of(e) for e in found.items], total=found.total, page=paging.page,
                        limit=paging.limit)


async def _store_page(log: AuditLog, f: AuditFilter, paging: Paging, min_position: int | None) -> AuditPage:
    """Up to the store's head, read once."""
    head = await log.head()
    if min_position is not None and min_position > head:
        raise Unavailable(f"the store has not reached position {min_position}", headers={"Retry-After": "1"})
    return await log.page(f, paging.page, paging.limit, head)


async def _folded_page(read_models: ReadModels, log: AuditLog, f: AuditFilter, paging: Paging,
                       min_position: int | None) -> AuditPage:
    """Up to the counters' folded position, once they have reached what this request must see."""
    await read_models.collection(audit_counts.NAME, min_position)
    lo, hi = f.span_ms()
    for _ in range(AHEAD_RETRIES):
        ptr = await load_pointer(read_models.db, audit_counts.NAME)
        found = await audit_counts.folded(counts.counters(read_models.db[ptr.collection]), f.type, lo, hi,
                                          ptr.position)
        if found is not None:
            total = found[0] + await log.count_in(found[1], f.type, ptr.position)
            return await log.page(f, paging.page, paging.limit, ptr.position, total)
        await asyncio.sleep(POLL_SECONDS)  # a batch folded, its pointer not advanced yet
    return await log.page(f, paging.page, paging.limit, ptr.position)  # the matches counted instead


class AuditController(ListingController):
    path = "/audit"
    tags = ["audit"]

    @get("/", guards=[requires_auditor], operation_id="list_audit_events",
         summary="Stored events with who, why and when (ADMIN/AUDITOR)",
         description="Every filter given must hold. `streamId`: one stream. `userId`: events about that user (their "
                     "User stream, including security events, their activities, their reward requests and the "
                     "decisions on them), not what they did to others (see docs/audit.md). `eventId`: the "
                     "promotion's stream (changes, rewards attached, updated, detached, requests, decisions, grants). "
                     f"`type`: one event type. `from`/`to`: recorded at or after / at or before. {_PAGING_DOC}",
         response_description="A page of stored events, newest first", responses=problem_responses(*GUARDED, *READ))
    async def list_audit_events(
        self, read_models: NamedDependency[ReadModels], paging: NamedDependency[Paging],
        min_position: NamedDependency[int | None],
        stream_id: Annotated[str | None, QueryParameter(name="streamId", **_ID)] = None,
        user_id: Annotated[str | None, QueryParameter(name="userId", **_ID)] = None,
        event_id: Annotated[str | None, QueryParameter(name="eventId", **_ID, description="a promotion id")] = None,
        event_type: Annotated[str | None, QueryParameter(name="type", **_ID,
                                                         description="an event type, e.g. LoginFailed")] = None,
        since: Annotated[str | None, QueryParameter(name="from", max_length=64, description=_TIME)] = None,
        until: Annotated[str | None, QueryParameter(name="to", max_length=64, description=_TIME)] = None,
    ) -> AuditPageOut:
        start, end = _instant("from", since), _instant("to", until)
        if start and end and start > end:
            raise BadRequest.parameter("from", "must not be after to")
        audit_filter = AuditFilter(stream_id, user_id, event_id, event_type, start, end)
        return await _page(read_models, audit_filter, paging, min_position)


class PromotionHistoryController(ListingController):
    path = "/events/{eventId:str}/history"
    tags = ["audit"]

    @get("/", guards=[requires_reader], operation_id="get_event_history",
         summary="How a promotion and its rewards changed, and the requests and decisions on it "
                 "(OPERATOR/ADMIN/AUDITOR)",
         description=f"The audit's items for the promotion's stream, with who and when. {_PAGING_DOC} 404 for an "
                     "unknown promotion.",
         response_description="A page of the promotion's stored events, newest first",
         responses=problem_responses(*GUARDED, *READ, 404))
    async def get_event_history(self, event_id: EventId, read_models: NamedDependency[ReadModels],
                                paging: NamedDependency[Paging],
                                min_position: NamedDependency[int | None]) -> AuditPageOut:
        stream = f"Event-{event_id}"
        if not await AuditLog(read_models.db).stream_exists(stream):
            raise not_found(f"event {event_id}", min_position)
        return await _page(read_models, AuditFilter(stream_id=stream), paging, min_position)
