"""The reward catalogue: `POST /rewards/{type}` (point|item|coupon|badge, any case) and the listing.

An unknown type in the path is 404 (no such collection of rewards), checked after the body's shape: a body that
fits no reward type is 422 whatever the path says."""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from domain.reward import RewardType
from gateway.bus import CommandBus, json_response
from gateway.docs import BODY, BUS, GUARDED, READ, SIGNED_IN, WRITE, answer, problem_responses
from gateway.guards import requires_operator, requires_signed_in
from gateway.paging import PAGING, Paging, page_of
from gateway.path_params import RewardTypeName
from gateway.problems import BadRequest
from gateway.promotion_schemas import RewardFields, RewardOut, RewardPage
from gateway.readmodels import ReadModels
from projections.rewards import reward_doc_to_json

NEWEST_FIRST: Final = (("createdAt", -1), ("_id", 1))


class RewardController(Controller):
    path = "/rewards"
    tags = ["rewards"]
    security = [{"bearer": []}]
    dependencies = PAGING

    @post("/{type:str}", guards=[requires_operator], operation_id="create_reward", status_code=201,
          summary="Create a catalogue reward of the type in the path (OPERATOR/ADMIN)",
          responses={**answer(RewardOut, "The created reward", 201),
                     **problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404)})
    async def create_reward(self, reward_type: RewardTypeName, data: JSONBody[RewardFields],
                            request: Request[Any, Any, Any], bus: NamedDependency[CommandBus]) -> Response[bytes]:
        fields = data.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return await bus.execute(request, "CreateReward", {"rewardType": reward_type, "fields": fields},
                                 status=201)

    @get("/", guards=[requires_signed_in], operation_id="list_rewards", summary="List catalogue rewards",
         responses={**answer(RewardPage, "A page of rewards"), **problem_responses(*SIGNED_IN, *READ)})
    async def list_rewards(
        self, read_models: NamedDependency[ReadModels], min_position: NamedDependency[int | None],
        paging: NamedDependency[Paging],
        reward_type: Annotated[str | None, QueryParameter(
            name="type", max_length=16, description="point, item, coupon or badge (any case)")] = None,
    ) -> Response[bytes]:
        query: dict[str, Any] = {}
        if reward_type is not None:
            if reward_type.upper() not in RewardType.__members__:
                raise BadRequest("unknown reward type", [{"path": "/type",
                                                          "message": "must be point, item, coupon or badge"}])
            query["type"] = reward_type.upper()
        rewards = await read_models.collection("rewards", min_position)
        return json_response(await page_of(rewards, query, NEWEST_FIRST, paging, reward_doc_to_json))
