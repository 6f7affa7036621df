"""Rewards attached to an event: attach (one reward at most once per event), list with remaining stock, change
terms, detach."""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody

from gateway.bus import CommandBus, json_response
from gateway.controllers.events import find_event
from gateway.docs import problem_responses
from gateway.guards import requires_operator, requires_signed_in
from gateway.paging import PAGING, Paging, page_of
from gateway.promotion_schemas import EventRewardCreate, EventRewardOut, EventRewardPage, EventRewardUpdate
from gateway.readmodels import ReadModels
from projections.event_rewards import event_reward_doc_to_json

ATTACH_ORDER: Final = (("attachedAt", 1), ("_id", 1))
_WRITE_PROBLEMS: Final = problem_responses(400, 401, 403, 404, 409, 422, 503)


class EventRewardController(Controller):
    path = "/events/{event_id:str}/rewards"
    tags = ["events"]
    security = [{"bearer": []}]
    dependencies = PAGING

    @post("/", guards=[requires_operator], operation_id="attach_event_reward", status_code=201,
          summary="Attach a catalogue reward to an event, with its own condition and limits (OPERATOR/ADMIN)",
          responses={201: ResponseSpec(EventRewardOut, description="The event reward"), **_WRITE_PROBLEMS})
    async def attach_reward(self, event_id: FromPath[str], data: JSONBody[EventRewardCreate],
                            request: Request[Any, Any, Any], bus: NamedDependency[CommandBus]) -> Response[bytes]:
        body = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return await bus.execute(request, "AttachReward", {**body, "eventId": event_id}, status=201)

    @get("/", guards=[requires_signed_in], operation_id="list_event_rewards",
         summary="The rewards of an event, with remaining stock",
         responses={200: ResponseSpec(EventRewardPage, description="A page of event rewards"),
                    **problem_responses(400, 401, 404, 503)})
    async def list_rewards(self, event_id: FromPath[str], read_models: NamedDependency[ReadModels],
                           min_position: NamedDependency[int | None],
                           paging: NamedDependency[Paging]) -> Response[bytes]:
        await find_event(read_models, event_id, min_position)
        rewards = await read_models.collection("event_rewards", min_position)
        return json_response(await page_of(rewards, {"eventId": event_id, "detached": False}, ATTACH_ORDER, paging,
                                           event_reward_doc_to_json))

    @patch("/{reward_id:str}", guards=[requires_operator], operation_id="update_event_reward",
           summary="Change an event reward's condition, autoResolve, stock or perUserLimit (OPERATOR/ADMIN)",
           responses={200: ResponseSpec(EventRewardOut, description="The event reward"), **_WRITE_PROBLEMS})
    async def update_reward(self, event_id: FromPath[str], reward_id: FromPath[str], data: JSONBody[EventRewardUpdate],
                            request: Request[Any, Any, Any], bus: NamedDependency[CommandBus]) -> Response[bytes]:
        body = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return await bus.execute(request, "UpdateEventReward", {**body, "eventId": event_id, "rewardId": reward_id})

    @delete("/{reward_id:str}", guards=[requires_operator], operation_id="detach_event_reward", status_code=200,
            summary="Detach a reward from an event (OPERATOR/ADMIN)",
            responses={200: ResponseSpec(dict[str, Any], description="{eventId, rewardId, detached: true}"),
                       **_WRITE_PROBLEMS})
    async def detach_reward(self, event_id: FromPath[str], reward_id: FromPath[str], request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "DetachReward", {"eventId": event_id, "rewardId": reward_id})
