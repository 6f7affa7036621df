"""Reward requests: a user requests a reward of an event, OPERATOR/ADMIN decide, and the listing and detail, where
a USER sees only their own requests (OPERATOR, ADMIN and AUDITOR see all). The decision itself, the evaluation and
the grant are the handlers' (commands/reward_requests.py); the filters are the read model's
(projections/reward_requests.py)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from domain.reward_request import RequestStatus
from gateway.answers import not_found, written
from gateway.bus import CommandBus
from gateway.controllers.base import BearerController, ListingController
from gateway.docs import BODY, BUS, GUARDED, READ, SIGNED_IN, WRITE, WRITE_HEADERS, problem_responses
from gateway.guards import current_principal, requires_operator, requires_signed_in, requires_user
from gateway.paging import Paging
from gateway.path_params import EventId, RequestId
from gateway.principal import Principal
from gateway.promotion_schemas import RewardRequestCreate, RewardRequestDecision
from gateway.readmodels import ReadModels
from gateway.resources.reward_requests import RewardRequestOut, RewardRequestPage
from projections import reward_requests

#: Who sees every user's requests; anyone else sees their own.
SEES_ALL: Final = frozenset({"OPERATOR", "ADMIN", "AUDITOR"})
_ID_FILTER: Final = {"min_length": 1, "max_length": 128}


def sees_all(principal: Principal) -> bool:
    return bool(SEES_ALL & principal.roles)


class RewardRequestCreateController(BearerController):
    path = "/events/{eventId:str}/request-reward"
    tags = ["reward requests"]

    @post("/", guards=[requires_user], operation_id="request_reward", status_code=201,
          summary="Request a reward of an event for yourself (USER)",
          description="400 unless the event is ACTIVE and inside its period; 404 for an unknown event or a reward "
                      "not attached to it; 409 beyond the reward's perUserLimit. The request carries the evaluation "
                      "of the event's rewardCondition and the reward's condition; with autoResolve it is already "
                      "APPROVED (and granted) or REJECTED in the answer, else it waits PENDING.",
          response_description="The request", response_headers=WRITE_HEADERS,
          responses=problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404))
    async def request_reward(
        self, event_id: EventId, data: JSONBody[RewardRequestCreate], request: Request[Any, Any, Any],
        bus: NamedDependency[CommandBus],
        facts_position: Annotated[int | None, QueryParameter(
            name="minPosition", ge=0, required=False,
            description="Evaluate the conditions on activity facts folded at least up to this Ledger-Position (an "
                        "activity's answer): 503 with Retry-After if they do not get there within 5 s")] = None,
    ) -> Response[RewardRequestOut]:
        payload = {"eventId": event_id, "rewardId": data.reward_id, "minPosition": facts_position}
        return written(RewardRequestOut, await bus.send(request, "RequestReward", payload), 201)


class RewardRequestController(ListingController):
    path = "/reward-requests"
    tags = ["reward requests"]

    @get("/", guards=[requires_signed_in], operation_id="list_reward_requests",
         summary="List reward requests (a USER sees only their own; OPERATOR/ADMIN/AUDITOR all)",
         description="Newest first. For a caller without OPERATOR, ADMIN or AUDITOR, `userId` is always the "
                     "caller's own id, whatever was asked.",
         response_description="A page of reward requests, newest first", responses=problem_responses(*SIGNED_IN, *READ))
    async def list_reward_requests(
        self, request: Request[Any, Any, Any], read_models: NamedDependency[ReadModels],
        min_position: NamedDependency[int | None], paging: NamedDependency[Paging],
        event_id: Annotated[str | None, QueryParameter(name="eventId", **_ID_FILTER)] = None,
        reward_id: Annotated[str | None, QueryParameter(name="rewardId", **_ID_FILTER)] = None,
        status: Annotated[RequestStatus | None, QueryParameter(description="PENDING, APPROVED or REJECTED")] = None,
        user_id: Annotated[str | None, QueryParameter(
            name="userId", **_ID_FILTER, description="OPERATOR/ADMIN/AUDITOR only; others see their own")] = None,
    ) -> RewardRequestPage:
        principal = current_principal(request)
        owner = user_id if sees_all(principal) else principal.user_id
        coll = await read_models.collection("reward_requests", min_position)
        filters = reward_requests.RequestFilters(event_id, reward_id, status, owner)
        return RewardRequestPage.model_validate(await reward_requests.find_page(coll, filters, paging))

    @get("/{requestId:str}", guards=[requires_signed_in], operation_id="get_reward_request",
         summary="Get a reward request with its evaluation (its owner, OPERATOR/ADMIN/AUDITOR)",
         description="Another user's request is 404, as if it did not exist: whether it does is not theirs to know.",
         response_description="The request", responses=problem_responses(*SIGNED_IN, *READ, 404))
    async def get_reward_request(self, request_id: RequestId, request: Request[Any, Any, Any],
                                 read_models: NamedDependency[ReadModels],
                                 min_position: NamedDependency[int | None]) -> RewardRequestOut:
        principal = current_principal(request)
        found = await reward_requests.find_one(await read_models.collection("reward_requests", min_position),
                                               request_id)
        if found is None or not (sees_all(principal) or found["userId"] == principal.user_id):
            raise not_found(f"reward request {request_id}", min_position)
        return RewardRequestOut.model_validate(found)

    @patch("/{requestId:str}", guards=[requires_operator], operation_id="decide_reward_request",
           summary="Approve or reject a PENDING request (OPERATOR/ADMIN)",
           description="409 unless the request is PENDING. An approval takes one of the stock and grants the reward; "
                       "with none left the request is REJECTED with reason OUT_OF_STOCK instead.",
           response_description="The decided request", response_headers=WRITE_HEADERS,
           responses=problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404))
    async def decide_reward_request(self, request_id: RequestId, data: JSONBody[RewardRequestDecision],
                                    request: Request[Any, Any, Any],
                                    bus: NamedDependency[CommandBus]) -> Response[RewardRequestOut]:
        body = data.model_dump(mode="json", by_alias=True, exclude_none=True)
        return written(RewardRequestOut, await bus.send(request, "DecideRewardRequest",
                                                        {**body, "requestId": request_id}))
