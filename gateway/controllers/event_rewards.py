"""Rewards attached to an event: attach (one reward at most once per event), list with remaining stock, change
terms, detach."""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from gateway.bus import CommandBus, json_response
from gateway.controllers.events import find_event
from gateway.docs import BODY, BUS, GUARDED, READ, SIGNED_IN, WRITE, answer, problem_responses
from gateway.guards import requires_operator, requires_signed_in
from gateway.paging import PAGING, Paging, page_of
from gateway.path_params import EventId, RewardId
from gateway.promotion_schemas import (
    EventRewardCreate,
    EventRewardDetached,
    EventRewardOut,
    EventRewardPage,
    EventRewardUpdate,
)
from gateway.readmodels import ReadModels
from projections.event_rewards import event_reward_doc_to_json

ATTACH_ORDER: Final = (("attachedAt", 1), ("_id", 1))
_WRITE_PROBLEMS: Final = problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404)


class EventRewardController(Controller):
    path = "/events/{eventId:str}/rewards"
    tags = ["events"]
    security = [{"bearer": []}]
    dependencies = PAGING

    @post("/", guards=[requires_operator], operation_id="attach_event_reward", status_code=201,
          summary="Attach a catalogue reward to an event, with its own condition and limits (OPERATOR/ADMIN)",
          responses={**answer(EventRewardOut, "The event reward", 201), **_WRITE_PROBLEMS})
    async def attach_reward(self, event_id: EventId, data: JSONBody[EventRewardCreate],
                            request: Request[Any, Any, Any], bus: NamedDependency[CommandBus]) -> Response[bytes]:
        body = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return await bus.execute(request, "AttachReward", {**body, "eventId": event_id}, status=201)

    @get("/", guards=[requires_signed_in], operation_id="list_event_rewards",
         summary="The rewards of an event, with remaining stock",
         responses={**answer(EventRewardPage, "A page of event rewards"),
                    **problem_responses(*SIGNED_IN, *READ, 404)})
    async def list_rewards(self, event_id: EventId, read_models: NamedDependency[ReadModels],
                           min_position: NamedDependency[int | None],
                           paging: NamedDependency[Paging]) -> Response[bytes]:
        await find_event(read_models, event_id, min_position)
        rewards = await read_models.collection("event_rewards", min_position)
        return json_response(await page_of(rewards, {"eventId": event_id, "detached": False}, ATTACH_ORDER, paging,
                                           event_reward_doc_to_json))

    @patch("/{rewardId:str}", guards=[requires_operator], operation_id="update_event_reward",
           summary="Change an event reward's condition, autoResolve, stock or perUserLimit (OPERATOR/ADMIN)",
           responses={**answer(EventRewardOut, "The event reward"), **_WRITE_PROBLEMS})
    async def update_reward(self, event_id: EventId, reward_id: RewardId, data: JSONBody[EventRewardUpdate],
                            request: Request[Any, Any, Any], bus: NamedDependency[CommandBus]) -> Response[bytes]:
        body = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return await bus.execute(request, "UpdatePromotionReward", {**body, "eventId": event_id, "rewardId": reward_id})

    @delete("/{rewardId:str}", guards=[requires_operator], operation_id="detach_event_reward", status_code=200,
            summary="Detach a reward from an event (OPERATOR/ADMIN)",
            responses={**answer(EventRewardDetached, "Detached"),
                       **problem_responses(*GUARDED, *WRITE, *BUS, 404)})
    async def detach_reward(self, event_id: EventId, reward_id: RewardId, request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "DetachReward", {"eventId": event_id, "rewardId": reward_id})
