"""Bodies of the events, rewards, activities and condition-preview routes. Field types are the domain's own
(`EventName`, `Points`, ...), so the gateway refuses exactly what the handlers would, before any message is sent;
rules across fields or over rules (periods, per-type reward fields, the condition language) stay in the domain.

Update bodies use placeholder defaults, never `None`, for fields that must not be null: an explicit `null` is then
a schema error, and only the fields present (`exclude_unset`) are sent. The placeholders are default *factories*
(`unset`), which the OpenAPI document leaves out: a documented default would be pre-filled by Swagger and
overwrite what the user did not mean to change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final, cast

from pydantic import ConfigDict, Field

from domain.promotion import Description, EventName, PerUserLimit, Stock
from domain.promotion_events import EventStatus
from domain.reward import CouponCode, ExternalId, Points, Quantity, RewardName
from domain.types import IsoTime, SingleLine, StrictBool, StrictInt
from gateway.resources.rewards import EXAMPLE_REWARD
from gateway.schemas import Schema

_UNSET_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)
CONDITION_DOC: Final = ("A rule of the condition language: one key, a leaf (login_days, invites, purchase_total, "
                        "checkins, quest_completed, level) or a combinator (all, any, not); {} or null = always "
                        "eligible. Errors answer 422 with a JSON pointer to the offending part.")
CONDITION_EXAMPLE: Final = {"all": [{"login_days": {"min": 3}}, {"any": [
    {"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}


def with_example(example: dict[str, Any]) -> ConfigDict:
    """The schema's config plus the one example the document shows for the whole body: for an update, only the
    fields it changes (Swagger would otherwise pre-fill every field with a placeholder)."""
    return cast(ConfigDict, {**Schema.model_config, "example": example})


def unset(placeholder: Any) -> Any:
    """An update field's default that the document does not show (see the module docstring)."""
    return Field(default_factory=lambda: placeholder)


class EventCreate(Schema):
    """A new event; `status` is ACTIVE when left out."""

    name: EventName = Field(examples=["Winter login festival"])
    description: Description = Field(default="", examples=["Log in three days running this December"])
    period_start: IsoTime = Field(examples=["2026-12-01T00:00:00Z"])
    period_end: IsoTime | None = Field(default=None, description="exclusive; null = open-ended",
                                       examples=["2027-01-01T00:00:00Z"])
    status: EventStatus = Field(default_factory=lambda: EventStatus.ACTIVE)  # a factory: see the module docstring
    reward_condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC,
                                                    examples=[CONDITION_EXAMPLE])


class EventUpdate(Schema):
    """Any subset of the event's fields; `periodEnd: null` makes it open-ended, `rewardCondition: null` removes
    the rule, `status` activates or deactivates."""

    model_config = with_example({"description": "Now with a bonus for invites", "periodEnd": "2027-01-15T00:00:00Z"})

    name: EventName = unset("")
    description: Description = unset("")
    period_start: IsoTime = unset(_UNSET_TIME)
    period_end: IsoTime | None = unset(None)
    status: EventStatus = unset(EventStatus.ACTIVE)
    reward_condition: dict[str, Any] | None = Field(default_factory=lambda: None, description=CONDITION_DOC)


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


class EventRewardCreate(Schema):
    reward_id: SingleLine = Field(min_length=1, max_length=128, examples=[EXAMPLE_REWARD["id"]])
    condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC)
    auto_resolve: StrictBool = False
    stock: Stock | None = Field(default=None, description="total grants; null = unlimited", examples=[100])
    per_user_limit: PerUserLimit = 1


class EventRewardUpdate(Schema):
    """Any subset of the terms; `condition: null` removes the rule, `stock: null` makes the stock unlimited."""

    model_config = with_example({"stock": 200})

    condition: dict[str, Any] | None = Field(default_factory=lambda: None, description=CONDITION_DOC)
    auto_resolve: StrictBool = unset(False)
    stock: Stock | None = unset(None)
    per_user_limit: PerUserLimit = unset(1)


class PreviewIn(Schema):
    condition: dict[str, Any] | None = Field(description=CONDITION_DOC, examples=[CONDITION_EXAMPLE])
    period_start: IsoTime = Field(examples=["2026-12-01T00:00:00Z"])
    period_end: IsoTime | None = Field(default=None, examples=["2027-01-01T00:00:00Z"])
    sample_size: StrictInt = Field(default=20, ge=0, le=100)
