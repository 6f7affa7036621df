"""The reward catalogue: `POST /rewards/{type}` (point|item|coupon|badge, any case) and the listing.

An unknown type in the path is 404 (no such collection of rewards), checked after the body's shape: a body that
fits no reward type is 422 whatever the path says."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from domain.reward import RewardType
from gateway.answers import written
from gateway.bus import CommandBus
from gateway.controllers.base import ListingController
from gateway.docs import BODY, BUS, GUARDED, READ, SIGNED_IN, WRITE, WRITE_HEADERS, problem_responses
from gateway.guards import requires_operator, requires_signed_in
from gateway.paging import Paging
from gateway.path_params import RewardTypeName
from gateway.problems import BadRequest
from gateway.promotion_schemas import RewardFields
from gateway.readmodels import ReadModels
from gateway.resources.rewards import RewardOut, RewardPage
from projections import rewards


def type_filter(text: str | None) -> RewardType | None:
    """`?type=` in any case; an unknown type is a bad filter (400), not an empty page."""
    if text is None:
        return None
    if text.upper() not in RewardType.__members__:
        raise BadRequest.parameter("type", "must be point, item, coupon or badge")
    return RewardType(text.upper())


class RewardController(ListingController):
    path = "/rewards"
    tags = ["rewards"]

    @post("/{type:str}", guards=[requires_operator], operation_id="create_reward", status_code=201,
          summary="Create a catalogue reward of the type in the path (OPERATOR/ADMIN)",
          response_description="The created reward", response_headers=WRITE_HEADERS,
          responses=problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404))
    async def create_reward(self, reward_type: RewardTypeName, data: JSONBody[RewardFields],
                            request: Request[Any, Any, Any], bus: NamedDependency[CommandBus]) -> Response[RewardOut]:
        fields = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        reply = await bus.send(request, "CreateReward", {"rewardType": reward_type, "fields": fields})
        return written(RewardOut, reply, 201)

    @get("/", guards=[requires_signed_in], operation_id="list_rewards", summary="List catalogue rewards",
         response_description="A page of rewards, newest first", responses=problem_responses(*SIGNED_IN, *READ))
    async def list_rewards(
        self, read_models: NamedDependency[ReadModels], min_position: NamedDependency[int | None],
        paging: NamedDependency[Paging],
        reward_type: Annotated[str | None, QueryParameter(
            name="type", max_length=16, description="point, item, coupon or badge (any case)")] = None,
    ) -> RewardPage:
        wanted = type_filter(reward_type)
        coll = await read_models.collection("rewards", min_position)
        return RewardPage.model_validate(await rewards.find_page(coll, wanted, paging))
