"""A reward request as the API answers it (SPEC "Reward request"), with the evaluation its decision was made on and,
once approved, the grant: `POST /events/{eventId}/request-reward`, `PATCH /reward-requests/{requestId}` and the
`GET /reward-requests...` routes alike."""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field

from domain.reward_request import RequestStatus
from gateway.resources.events import EXAMPLE_EVENT_ID
from gateway.resources.rewards import EXAMPLE_REWARD, RewardOut
from gateway.schemas import EXAMPLE_ID, EXAMPLE_TIME, Page, Schema

EXAMPLE_REQUEST_ID: Final = "7c4a8e1d3f9c2a7d5e8b4c1a9d6e0f2b"


class EvaluationOut(Schema):
    """The conditions evaluated when the request was made, over the facts seen then; a later activity never
    changes it."""

    eligible: bool = Field(description="the event's rewardCondition AND the event reward's condition hold")
    facts: dict[str, Any] = Field(description="the facts the rules asked about, by name",
                                  examples=[{"login_days": 4, "invites": 1}])
    explanation: dict[str, Any] | None = Field(
        description="the rule tree with each node's outcome (leaves: kind, required, seen, passed); null when "
                    "neither rule exists",
        examples=[{"kind": "login_days", "required": {"min": 3, "consecutive": False}, "seen": 4, "passed": True}])


class GrantOut(Schema):
    reward: RewardOut = Field(description="the reward as attached to the event when it was granted",
                              examples=[EXAMPLE_REWARD])
    granted_at: str = Field(examples=[EXAMPLE_TIME])


class RewardRequestOut(Schema):
    id: str = Field(examples=[EXAMPLE_REQUEST_ID])
    user_id: str = Field(examples=[EXAMPLE_ID])
    event_id: str = Field(examples=[EXAMPLE_EVENT_ID])
    reward_id: str = Field(examples=[EXAMPLE_REWARD["id"]])
    status: RequestStatus
    reason: str | None = Field(description="why it was decided so: an operator's text, `OUT_OF_STOCK`, or "
                                           "`CONDITION_NOT_MET: ` and the failing leaves", examples=["OUT_OF_STOCK"])
    requested_at: str = Field(examples=[EXAMPLE_TIME])
    decided_by: str | None = Field(description="null while PENDING or when decided by autoResolve",
                                   examples=[EXAMPLE_ID])
    decided_at: str | None = Field(description="null while PENDING", examples=[EXAMPLE_TIME])
    evaluation: EvaluationOut
    grant: GrantOut | None = Field(description="present once approved: what was granted")


class RewardRequestPage(Page[RewardRequestOut]):
    pass
