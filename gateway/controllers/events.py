"""Events (promotions): create, list, detail, update, activate and deactivate. The filters and their semantics are
the read model's (projections/events.py)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from gateway.answers import not_found, written
from gateway.bus import CommandBus
from gateway.controllers.base import ListingController
from gateway.docs import BODY, BUS, GUARDED, READ, SIGNED_IN, WRITE, WRITE_HEADERS, problem_responses
from gateway.guards import requires_operator, requires_signed_in
from gateway.paging import Paging
from gateway.path_params import EventId
from gateway.promotion_schemas import EventCreate, EventUpdate
from gateway.readmodels import ReadModels
from gateway.resources.events import EventOut, EventPage
from gateway.schemas import EventStatus
from projections import events

_WRITE_PROBLEMS: Final = problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404)
_ACTION_PROBLEMS: Final = problem_responses(*GUARDED, *WRITE, *BUS, 404)
_READ_PROBLEMS: Final = problem_responses(*SIGNED_IN, *READ, 404)


async def find_event(read_models: ReadModels, event_id: str, min_position: int | None) -> dict[str, Any]:
    """The rendered event, or 404."""
    event = await events.find_one(await read_models.collection("events", min_position), event_id)
    if event is None:
        raise not_found(f"event {event_id}", min_position)
    return event


class PromotionController(ListingController):
    path = "/events"
    tags = ["events"]

    @post("/", guards=[requires_operator], operation_id="create_event", status_code=201,
          summary="Create an event (OPERATOR/ADMIN)", response_description="The created event",
          response_headers=WRITE_HEADERS, responses=problem_responses(*GUARDED, *BODY, *WRITE, *BUS))
    async def create_event(self, data: JSONBody[EventCreate], request: Request[Any, Any, Any],
                           bus: NamedDependency[CommandBus]) -> Response[EventOut]:
        reply = await bus.send(request, "CreatePromotion", data.model_dump(mode="json", by_alias=True))
        return written(EventOut, reply, 201)

    @get("/", guards=[requires_signed_in], operation_id="list_events", summary="List events (signed in)",
         response_description="A page of events, newest first", responses=problem_responses(*SIGNED_IN, *READ))
    async def list_events(
        self, read_models: NamedDependency[ReadModels], min_position: NamedDependency[int | None],
        paging: NamedDependency[Paging],
        status: Annotated[EventStatus | None, QueryParameter(description="ACTIVE or INACTIVE")] = None,
        name: Annotated[str | None, QueryParameter(max_length=200, description="substring, any case")] = None,
        in_period: Annotated[bool | None, QueryParameter(
            name="inPeriod", description="true: now is inside the period; false: outside")] = None,
    ) -> EventPage:
        coll = await read_models.collection("events", min_position)
        return EventPage.model_validate(await events.find_page(coll, events.EventFilters(status, name, in_period),
                                                               paging))

    @get("/{eventId:str}", guards=[requires_signed_in], operation_id="get_event", summary="Get an event",
         response_description="The event", responses=_READ_PROBLEMS)
    async def get_event(self, event_id: EventId, read_models: NamedDependency[ReadModels],
                        min_position: NamedDependency[int | None]) -> EventOut:
        return EventOut.model_validate(await find_event(read_models, event_id, min_position))

    @patch("/{eventId:str}", guards=[requires_operator], operation_id="update_event",
           summary="Change any of an event's fields, status included (OPERATOR/ADMIN)",
           response_description="The updated event", response_headers=WRITE_HEADERS, responses=_WRITE_PROBLEMS)
    async def update_event(self, event_id: EventId, data: JSONBody[EventUpdate], request: Request[Any, Any, Any],
                           bus: NamedDependency[CommandBus]) -> Response[EventOut]:
        changes = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return written(EventOut, await bus.send(request, "UpdatePromotion", {**changes, "eventId": event_id}))

    @post("/{eventId:str}/activate", guards=[requires_operator], operation_id="activate_event", status_code=200,
          summary="Set an event ACTIVE (OPERATOR/ADMIN; no change if it is)", response_description="The event",
          response_headers=WRITE_HEADERS, responses=_ACTION_PROBLEMS)
    async def activate_event(self, event_id: EventId, request: Request[Any, Any, Any],
                             bus: NamedDependency[CommandBus]) -> Response[EventOut]:
        return written(EventOut, await bus.send(request, "ActivatePromotion", {"eventId": event_id}))

    @post("/{eventId:str}/deactivate", guards=[requires_operator], operation_id="deactivate_event",
          status_code=200, summary="Set an event INACTIVE (OPERATOR/ADMIN; no change if it is)",
          response_description="The event", response_headers=WRITE_HEADERS, responses=_ACTION_PROBLEMS)
    async def deactivate_event(self, event_id: EventId, request: Request[Any, Any, Any],
                               bus: NamedDependency[CommandBus]) -> Response[EventOut]:
        return written(EventOut, await bus.send(request, "DeactivatePromotion", {"eventId": event_id}))
