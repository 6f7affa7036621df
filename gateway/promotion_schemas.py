"""Bodies of the events, rewards, activities and condition-preview routes. Field types are the domain's own
(`EventName`, `Points`, ...), so the gateway refuses exactly what the handlers would, before any message is sent;
rules across fields or over rules (periods, per-type reward fields, the condition language) stay in the domain.

Update bodies use placeholder defaults, never `None`, for fields that must not be null: an explicit `null` is then
a schema error, and only the fields present (`exclude_unset`) are sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from pydantic import Field

from domain.promotion import Description, EventName, PerUserLimit, Stock
from domain.promotion_events import EventStatus
from domain.reward import CouponCode, ExternalId, Points, Quantity, RewardName
from domain.types import IsoTime, SingleLine, StrictBool, StrictInt
from gateway.schemas import Page, Schema

_UNSET_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)
CONDITION_DOC: Final = ("A rule of the condition language: one key, a leaf (login_days, invites, purchase_total, "
                        "checkins, quest_completed, level) or a combinator (all, any, not); {} or null = always "
                        "eligible. Errors answer 422 with a JSON pointer to the offending part.")
CONDITION_EXAMPLE: Final = {"all": [{"login_days": {"min": 3}}, {"any": [
    {"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}


class EventCreate(Schema):
    name: EventName = Field(examples=["Winter login festival"])
    description: Description = ""
    period_start: IsoTime = Field(examples=["2026-12-01T00:00:00Z"])
    period_end: IsoTime | None = Field(default=None, description="exclusive; null = open-ended")
    status: EventStatus = EventStatus.ACTIVE
    reward_condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC,
                                                    examples=[CONDITION_EXAMPLE])


class EventUpdate(Schema):
    """Any subset of the event's fields; `periodEnd: null` makes it open-ended, `rewardCondition: null` removes
    the rule, `status` activates or deactivates."""

    name: EventName = ""
    description: Description = ""
    period_start: IsoTime = _UNSET_TIME
    period_end: IsoTime | None = None
    status: EventStatus = EventStatus.ACTIVE
    reward_condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC)


class EventOut(Schema):
    id: str
    name: str
    description: str
    period_start: str
    period_end: str | None
    status: EventStatus
    reward_condition: dict[str, Any] | None
    created_by: str | None
    created_at: str
    updated_at: str


class EventPage(Page[EventOut]):
    pass


class RewardFields(Schema):
    """The fields of every reward type; which are required depends on the type in the path: POINT {name, points},
    ITEM {name, itemId, quantity}, COUPON {name, couponCode, expiry}, BADGE {name, badgeId}."""

    name: RewardName
    type: SingleLine | None = Field(default=None, description="optional; must match the path when given")
    points: Points | None = None
    item_id: ExternalId | None = None
    quantity: Quantity | None = None
    coupon_code: CouponCode | None = None
    expiry: IsoTime | None = None
    badge_id: ExternalId | None = None


class RewardOut(Schema):
    id: str
    type: str
    name: str
    points: int | None = None
    item_id: str | None = None
    quantity: int | None = None
    coupon_code: str | None = None
    expiry: str | None = None
    badge_id: str | None = None
    created_at: str | None = None
    created_by: str | None = None


class RewardPage(Page[RewardOut]):
    pass


class EventRewardCreate(Schema):
    reward_id: SingleLine = Field(min_length=1, max_length=128)
    condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC)
    auto_resolve: StrictBool = False
    stock: Stock | None = Field(default=None, description="total grants; null = unlimited")
    per_user_limit: PerUserLimit = 1


class EventRewardUpdate(Schema):
    condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC)
    auto_resolve: StrictBool = False
    stock: Stock | None = None
    per_user_limit: PerUserLimit = 1


class EventRewardOut(Schema):
    event_id: str
    reward_id: str
    reward: RewardOut
    condition: dict[str, Any] | None
    auto_resolve: bool
    stock: int | None
    remaining: int | None
    per_user_limit: int


class EventRewardPage(Page[EventRewardOut]):
    pass


class ActivityAccepted(Schema):
    id: str
    user_id: str
    kind: str
    duplicate: bool = Field(description="true when this id was already recorded (stored once, not an error)")


class PreviewIn(Schema):
    condition: dict[str, Any] | None = Field(description=CONDITION_DOC, examples=[CONDITION_EXAMPLE])
    period_start: IsoTime
    period_end: IsoTime | None = None
    sample_size: StrictInt = Field(default=20, ge=0, le=100)


class PreviewSample(Schema):
    user_id: str
    evaluation: dict[str, Any]


class PreviewOut(Schema):
    users: int = Field(description="users with recorded activity that were evaluated")
    eligible: int
    sample: list[PreviewSample]
    took_ms: float

