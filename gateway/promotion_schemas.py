"""Bodies of the events, rewards, activities and condition-preview routes. Field types are the domain's own
(`PromotionName`, `Points`, ...), so the gateway refuses exactly what the handlers would, before any message is sent;
rules across fields or over rules (periods, per-type reward fields, the condition language) stay in the domain.
The event and event-reward bodies are the commands' own field sets (commands/promotion_fields.py, which also says
why update bodies have placeholder defaults that the document does not show)."""

from __future__ import annotations

from typing import Any, Final, cast

from pydantic import ConfigDict, Field

from commands.promotion_fields import (
    CONDITION_DOC,
    CONDITION_EXAMPLE,
    PromotionChanges,
    PromotionFields,
    RewardTermsChanges,
    RewardTermsFields,
)
from domain.promotion_events import PromotionStatus
from domain.reward import CouponCode, ExternalId, Points, Quantity, RewardName
from domain.types import IsoTime, SingleLine, StrictInt
from gateway.schemas import EXAMPLE_ID, EXAMPLE_TIME, Page, Schema

EXAMPLE_REWARD: Final = {"id": "8b2e4f6a1c3d4e5f9a0b7c6d5e4f3a2b", "type": "POINT", "name": "500 bonus points",
                         "points": 500, "createdAt": EXAMPLE_TIME, "createdBy": EXAMPLE_ID}


def with_example(example: dict[str, Any]) -> ConfigDict:
    """The schema's config plus the one example the document shows for the whole body: for an update, only the
    fields it changes (Swagger would otherwise pre-fill every field with a placeholder)."""
    return cast(ConfigDict, {**Schema.model_config, "example": example})


class EventCreate(Schema, PromotionFields):
    """A new event; `status` is ACTIVE when left out. The `CreatePromotion` command's own fields."""


class EventUpdate(Schema, PromotionChanges):
    """Any subset of the event's fields; `periodEnd: null` makes it open-ended, `rewardCondition: null` removes
    the rule, `status` activates or deactivates. The `UpdatePromotion` command's own fields."""

    model_config = with_example({"description": "Now with a bonus for invites", "periodEnd": "2027-01-15T00:00:00Z"})


class EventOut(Schema):
    id: str = Field(examples=["5d1e7a3c9b2f4e6a8c0d1b3e5f7a9c2e"])
    name: str = Field(examples=["Winter login festival"])
    description: str = Field(examples=["Log in three days running this December"])
    period_start: str = Field(examples=["2026-12-01T00:00:00.000Z"])
    period_end: str | None = Field(description="exclusive; null = open-ended", examples=["2027-01-01T00:00:00.000Z"])
    status: PromotionStatus
    reward_condition: dict[str, Any] | None = Field(examples=[CONDITION_EXAMPLE])
    created_by: str | None = Field(examples=[EXAMPLE_ID])
    created_at: str = Field(examples=[EXAMPLE_TIME])
    updated_at: str = Field(examples=[EXAMPLE_TIME])


class EventPage(Page[EventOut]):
    pass


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


class RewardOut(Schema):
    id: str = Field(examples=[EXAMPLE_REWARD["id"]])
    type: str = Field(description="POINT, ITEM, COUPON or BADGE", examples=["POINT"])
    name: str = Field(examples=["500 bonus points"])
    points: int | None = Field(default=None, examples=[500])
    item_id: str | None = None
    quantity: int | None = None
    coupon_code: str | None = None
    expiry: str | None = None
    badge_id: str | None = None
    created_at: str | None = Field(default=None, examples=[EXAMPLE_TIME])
    created_by: str | None = Field(default=None, examples=[EXAMPLE_ID])


class RewardPage(Page[RewardOut]):
    pass


class EventRewardCreate(Schema, RewardTermsFields):
    """The `AttachReward` command's own fields."""

    reward_id: SingleLine = Field(min_length=1, max_length=128, examples=[EXAMPLE_REWARD["id"]])


class EventRewardUpdate(Schema, RewardTermsChanges):
    """Any subset of the terms; `condition: null` removes the rule, `stock: null` makes the stock unlimited."""

    model_config = with_example({"stock": 200})


class EventRewardOut(Schema):
    event_id: str = Field(examples=["5d1e7a3c9b2f4e6a8c0d1b3e5f7a9c2e"])
    reward_id: str = Field(examples=[EXAMPLE_REWARD["id"]])
    reward: RewardOut = Field(description="a copy of the catalogue reward", examples=[EXAMPLE_REWARD])
    condition: dict[str, Any] | None = Field(examples=[{"invites": {"min": 2}}])
    auto_resolve: bool
    stock: int | None = Field(description="null = unlimited", examples=[100])
    remaining: int | None = Field(description="stock minus grants; null = unlimited", examples=[97])
    per_user_limit: int = Field(examples=[1])


class EventRewardDetached(Schema):
    event_id: str = Field(examples=["5d1e7a3c9b2f4e6a8c0d1b3e5f7a9c2e"])
    reward_id: str = Field(examples=[EXAMPLE_REWARD["id"]])
    detached: bool = Field(examples=[True])


class EventRewardPage(Page[EventRewardOut]):
    pass


class ActivityAccepted(Schema):
    id: str = Field(description="the reporter's idempotency id", examples=["login-2026-11-25-3f9c2a7d"])
    user_id: str = Field(examples=[EXAMPLE_ID])
    kind: str = Field(examples=["login"])
    duplicate: bool = Field(description="true when this id was already recorded (stored once, not an error)")


class PreviewIn(Schema):
    condition: dict[str, Any] | None = Field(description=CONDITION_DOC, examples=[CONDITION_EXAMPLE])
    period_start: IsoTime = Field(examples=["2026-12-01T00:00:00Z"])
    period_end: IsoTime | None = Field(default=None, examples=["2027-01-01T00:00:00Z"])
    sample_size: StrictInt = Field(default=20, ge=0, le=100)


class PreviewSample(Schema):
    user_id: str = Field(examples=[EXAMPLE_ID])
    evaluation: dict[str, Any] = Field(description="{eligible, facts, explanation}", examples=[{
        "eligible": True, "facts": {"login_days": 4},
        "explanation": {"kind": "login_days", "required": {"min": 3}, "seen": 4, "passed": True}}])


class PreviewOut(Schema):
    users: int = Field(description="users with recorded activity that were evaluated", examples=[1200])
    eligible: int = Field(examples=[312])
    sample: list[PreviewSample]
    took_ms: float = Field(examples=[84.5])

