"""Events (promotions): create, list, detail, update, activate and deactivate.

`inPeriod=true` lists events whose period contains now, `[periodStart, periodEnd)` (no end = open-ended);
`inPeriod=false` the others. `name` matches a case-insensitive substring (regex metacharacters are escaped).
Listings are newest first."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from domain.clock import iso, now_ms
from domain.promotion_events import PromotionStatus
from gateway.bus import CommandBus, json_response
from gateway.docs import BODY, BUS, GUARDED, READ, SIGNED_IN, WRITE, answer, problem_responses
from gateway.guards import requires_operator, requires_signed_in
from gateway.paging import PAGING, Paging, page_of
from gateway.path_params import EventId
from gateway.problems import NotFound
from gateway.promotion_schemas import EventCreate, EventOut, EventPage, EventUpdate
from gateway.readmodels import ReadModels
from projections.events import event_doc_to_json

NEWEST_FIRST: Final = (("createdAt", -1), ("_id", 1))
_WRITE_PROBLEMS: Final = problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404)
_ACTION_PROBLEMS: Final = problem_responses(*GUARDED, *WRITE, *BUS, 404)
_READ_PROBLEMS: Final = problem_responses(*SIGNED_IN, *READ, 404)


def events_query(status: PromotionStatus | None, name: str | None, in_period: bool | None) -> dict[str, Any]:
    """Conditions joined by an explicit `$and`: the stand-in ignores a field beside a top-level `$or`."""
    conditions: list[dict[str, Any]] = []
    if status is not None:
        conditions.append({"status": str(status)})
    if name:
        conditions.append({"name": {"$regex": re.escape(name), "$options": "i"}})
    if in_period is not None:
        now = iso(now_ms())
        if in_period:
            conditions += [{"periodStart": {"$lte": now}}, {"periodEndKey": {"$gt": now}}]
        else:  # the two ways to be outside, as an $or: the stand-in has no $not
            conditions.append({"$or": [{"periodStart": {"$gt": now}}, {"periodEndKey": {"$lte": now}}]})
    return conditions[0] if len(conditions) == 1 else {"$and": conditions} if conditions else {}


async def find_event(read_models: ReadModels, event_id: str, min_position: int | None) -> dict[str, Any]:
    events = await read_models.collection("events", min_position)
    doc = await events.find_one({"_id": event_id})
    if doc is None:
        raise NotFound(f"event {event_id} not found" + ("" if min_position else
                                                        "; pass ?minPosition= to read your own writes"))
    return doc


class EventController(Controller):
    path = "/events"
    tags = ["events"]
    security = [{"bearer": []}]
    dependencies = PAGING

    @post("/", guards=[requires_operator], operation_id="create_event", status_code=201,
          summary="Create an event (OPERATOR/ADMIN)",
          responses={**answer(EventOut, "The created event", 201),
                     **problem_responses(*GUARDED, *BODY, *WRITE, *BUS)})
    async def create_event(self, data: JSONBody[EventCreate], request: Request[Any, Any, Any],
                           bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "CreatePromotion", data.model_dump(mode="json", by_alias=True), status=201)

    @get("/", guards=[requires_signed_in], operation_id="list_events", summary="List events (signed in)",
         responses={**answer(EventPage, "A page of events"), **problem_responses(*SIGNED_IN, *READ)})
    async def list_events(
        self, read_models: NamedDependency[ReadModels], min_position: NamedDependency[int | None],
        paging: NamedDependency[Paging],
        status: Annotated[PromotionStatus | None, QueryParameter(description="ACTIVE or INACTIVE")] = None,
        name: Annotated[str | None, QueryParameter(max_length=200, description="substring, any case")] = None,
        in_period: Annotated[bool | None, QueryParameter(
            name="inPeriod", description="true: now is inside the period; false: outside")] = None,
    ) -> Response[bytes]:
        events = await read_models.collection("events", min_position)
        return json_response(await page_of(events, events_query(status, name, in_period), NEWEST_FIRST, paging,
                                           event_doc_to_json))

    @get("/{eventId:str}", guards=[requires_signed_in], operation_id="get_event", summary="Get an event",
         responses={**answer(EventOut, "The event"), **_READ_PROBLEMS})
    async def get_event(self, event_id: EventId, read_models: NamedDependency[ReadModels],
                        min_position: NamedDependency[int | None]) -> Response[bytes]:
        return json_response(event_doc_to_json(await find_event(read_models, event_id, min_position)))

    @patch("/{eventId:str}", guards=[requires_operator], operation_id="update_event",
           summary="Change any of an event's fields, status included (OPERATOR/ADMIN)",
           responses={**answer(EventOut, "The updated event"), **_WRITE_PROBLEMS})
    async def update_event(self, event_id: EventId, data: JSONBody[EventUpdate], request: Request[Any, Any, Any],
                           bus: NamedDependency[CommandBus]) -> Response[bytes]:
        changes = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return await bus.execute(request, "UpdatePromotion", {**changes, "eventId": event_id})

    @post("/{eventId:str}/activate", guards=[requires_operator], operation_id="activate_event", status_code=200,
          summary="Set an event ACTIVE (OPERATOR/ADMIN; no change if it is)",
          responses={**answer(EventOut, "The event"), **_ACTION_PROBLEMS})
    async def activate_event(self, event_id: EventId, request: Request[Any, Any, Any],
                             bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "ActivatePromotion", {"eventId": event_id})

    @post("/{eventId:str}/deactivate", guards=[requires_operator], operation_id="deactivate_event",
          status_code=200, summary="Set an event INACTIVE (OPERATOR/ADMIN; no change if it is)",
          responses={**answer(EventOut, "The event"), **_ACTION_PROBLEMS})
    async def deactivate_event(self, event_id: EventId, request: Request[Any, Any, Any],
                               bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "DeactivatePromotion", {"eventId": event_id})
