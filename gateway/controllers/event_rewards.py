"""Rewards attached to an event: attach (one reward at most once per event), list with remaining stock, change
terms, detach."""

from __future__ import annotations

import asyncio
from typing import Any, Final

from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from gateway.answers import written
from gateway.bus import CommandBus
from gateway.controllers.base import ListingController
from gateway.controllers.events import find_event
from gateway.docs import BODY, BUS, GUARDED, READ, SIGNED_IN, WRITE, WRITE_HEADERS, problem_responses
from gateway.guards import requires_operator, requires_signed_in
from gateway.paging import Paging
from gateway.path_params import EventId, RewardId
from gateway.promotion_schemas import EventRewardCreate, EventRewardUpdate
from gateway.readmodels import ReadModels
from gateway.resources.event_rewards import EventRewardDetached, EventRewardOut, EventRewardPage
from projections import event_rewards

_WRITE_PROBLEMS: Final = problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404)


class PromotionRewardController(ListingController):
    path = "/events/{eventId:str}/rewards"
    tags = ["events"]

    @post("/", guards=[requires_operator], operation_id="attach_event_reward", status_code=201,
          summary="Attach a catalogue reward to an event, with its own condition and limits (OPERATOR/ADMIN)",
          response_description="The event reward", response_headers=WRITE_HEADERS, responses=_WRITE_PROBLEMS)
    async def attach_reward(self, event_id: EventId, data: JSONBody[EventRewardCreate],
                            request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[EventRewardOut]:
        body = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return written(EventRewardOut, await bus.send(request, "AttachReward", {**body, "eventId": event_id}), 201)

    @get("/", guards=[requires_signed_in], operation_id="list_event_rewards",
         summary="The rewards of an event, with remaining stock", response_description="A page of event rewards",
         responses=problem_responses(*SIGNED_IN, *READ, 404))
    async def list_rewards(self, event_id: EventId, read_models: NamedDependency[ReadModels],
                           min_position: NamedDependency[int | None],
                           paging: NamedDependency[Paging]) -> EventRewardPage:
        _, coll = await asyncio.gather(find_event(read_models, event_id, min_position),
                                       read_models.collection("event_rewards", min_position))
        return EventRewardPage.model_validate(await event_rewards.find_page(coll, event_id, paging))

    @patch("/{rewardId:str}", guards=[requires_operator], operation_id="update_event_reward",
           summary="Change an event reward's condition, autoResolve, stock or perUserLimit (OPERATOR/ADMIN)",
           response_description="The event reward", response_headers=WRITE_HEADERS, responses=_WRITE_PROBLEMS)
    async def update_reward(self, event_id: EventId, reward_id: RewardId, data: JSONBody[EventRewardUpdate],
                            request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[EventRewardOut]:
        body = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        reply = await bus.send(request, "UpdatePromotionReward", {**body, "eventId": event_id, "rewardId": reward_id})
        return written(EventRewardOut, reply)

    @delete("/{rewardId:str}", guards=[requires_operator], operation_id="detach_event_reward", status_code=200,
            summary="Detach a reward from an event (OPERATOR/ADMIN)", response_description="Detached",
            response_headers=WRITE_HEADERS, responses=problem_responses(*GUARDED, *WRITE, *BUS, 404))
    async def detach_reward(self, event_id: EventId, reward_id: RewardId, request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[EventRewardDetached]:
        reply = await bus.send(request, "DetachReward", {"eventId": event_id, "rewardId": reward_id})
        return written(EventRewardDetached, reply)
