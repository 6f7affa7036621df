"""Bodies of the events, rewards, reward-request, activities and condition-preview routes. Field types are the
domain's own (`PromotionName`, `Points`, `Reason`, ...), so the gateway refuses exactly what the handlers would,
before any message is sent; rules across fields or over rules (periods, per-type reward fields, the condition
language) stay in the domain. The event and event-reward bodies are the commands' own field sets
(commands/promotion_fields.py, which also says why update bodies have placeholder defaults that the document does
not show)."""

from __future__ import annotations

from typing import Any, Literal, cast

from pydantic import ConfigDict, Field

from commands.promotion_fields import (
    CONDITION_DOC,
    CONDITION_EXAMPLE,
    PromotionChanges,
    PromotionFields,
    RewardTermsChanges,
    RewardTermsFields,
)
from domain.reward import CouponCode, ExternalId, Points, Quantity, RewardName
from domain.reward_request import Reason
from domain.types import IsoTime, SingleLine, StrictInt
from gateway.resources.rewards import EXAMPLE_REWARD
from gateway.schemas import EventStatus, Schema


def with_example(example: dict[str, Any]) -> ConfigDict:
    """The schema's config plus the one example the document shows for the whole body: for an update, only the
    fields it changes (Swagger would otherwise pre-fill every field with a placeholder)."""
    return cast(ConfigDict, {**Schema.model_config, "example": example})


class EventCreate(Schema, PromotionFields):
    """A new event; `status` is ACTIVE when left out. The `CreatePromotion` command's own fields (`status` only
    renamed for the document)."""

    status: EventStatus = cast(Any, PromotionFields.model_fields["status"])  # the same field, renamed in the document


class EventUpdate(Schema, PromotionChanges):
    """Any subset of the event's fields; `periodEnd: null` makes it open-ended, `rewardCondition: null` removes
    the rule, `status` activates or deactivates. The `UpdatePromotion` command's own fields."""

    model_config = with_example({"description": "Now with a bonus for invites", "periodEnd": "2027-01-15T00:00:00Z"})

    status: EventStatus = cast(Any, PromotionChanges.model_fields["status"])


class RewardFields(Schema):
    """The fields of every reward type; which are required depends on the type in the path: POINT {name, points},
    ITEM {name, itemId, quantity}, COUPON {name, couponCode, expiry}, BADGE {name, badgeId}."""

    name: RewardName = Field(examples=["500 bonus points"])
    type: SingleLine | None = Field(default=None, description="optional; must match the path when given")
    points: Points | None = Field(default=None, description="POINT", examples=[500])
    item_id: ExternalId | None = Field(default=None, description="ITEM")
    quantity: Quantity | None = Field(default=None, description="ITEM")
    coupon_code: CouponCode | None = Field(default=None, description="COUPON")
    expiry: IsoTime | None = Field(default=None, description="COUPON")
    badge_id: ExternalId | None = Field(default=None, description="BADGE")


class EventRewardCreate(Schema, RewardTermsFields):
    """The `AttachReward` command's own fields."""

    reward_id: SingleLine = Field(min_length=1, max_length=128, examples=[EXAMPLE_REWARD["id"]])


class EventRewardUpdate(Schema, RewardTermsChanges):
    """Any subset of the terms; `condition: null` removes the rule, `stock: null` makes the stock unlimited."""

    model_config = with_example({"stock": 200})


class RewardRequestCreate(Schema):
    """The `RequestReward` command's field besides the event (the path's) and the user (the caller)."""

    reward_id: SingleLine = Field(min_length=1, max_length=128, examples=[EXAMPLE_REWARD["id"]])


class RewardRequestDecision(Schema):
    """The `DecideRewardRequest` command's fields besides the request (the path's)."""

    model_config = with_example({"status": "REJECTED", "reason": "duplicate account"})

    status: Literal["APPROVED", "REJECTED"] = Field(description="APPROVED (takes one of the stock and grants the "
                                                                "reward) or REJECTED")
    reason: Reason | None = Field(default=None, description="up to 500 characters, shown to the user")


class PreviewIn(Schema):
    condition: dict[str, Any] | None = Field(description=CONDITION_DOC, examples=[CONDITION_EXAMPLE])
    period_start: IsoTime = Field(examples=["2026-12-01T00:00:00Z"])
    period_end: IsoTime | None = Field(default=None, examples=["2027-01-01T00:00:00Z"])
    sample_size: StrictInt = Field(default=20, ge=0, le=100)
