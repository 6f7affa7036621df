"""The fields a client writes for a promotion and for a reward's terms in it: one shape, which the commands
(commands/promotions.py) and the gateway's HTTP bodies (`EventCreate`, `EventUpdate`, `EventRewardCreate`,
`EventRewardUpdate`) both inherit, so the gateway refuses exactly what the handler would and the API document
describes what the handler takes. Field types are the domain's; rules across fields (periods, the condition
language) stay in the domain.

Change sets use placeholder defaults, never `None`, for fields that must not be null: an explicit `null` is then
a schema error, and only the fields present count (`model_fields_set`; the gateway sends `exclude_unset`). The
placeholders are default *factories* (`unset`), which the OpenAPI document leaves out: a documented default would
be pre-filled by Swagger and overwrite what the user did not mean to change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from pydantic import Field

from commands.messages import Fields
from domain.promotion import Description, PerUserLimit, PromotionName, Stock
from domain.promotion_events import PromotionStatus
from domain.types import IsoTime, StrictBool

CONDITION_DOC: Final = ("A rule of the condition language: one key, a leaf (login_days, invites, purchase_total, "
                        "checkins, quest_completed, level) or a combinator (all, any, not); {} or null = always "
                        "eligible. Errors answer 422 with a JSON pointer to the offending part.")
CONDITION_EXAMPLE: Final = {"all": [{"login_days": {"min": 3}}, {"any": [
    {"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}
_UNSET_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)


def unset(placeholder: Any) -> Any:
    """A change set's default that the document does not show (see the module docstring)."""
    return Field(default_factory=lambda: placeholder)


class PromotionFields(Fields):
    """A new promotion; `status` is ACTIVE when left out."""

    name: PromotionName = Field(examples=["Winter login festival"])
    description: Description = Field(default="", examples=["Log in three days running this December"])
    period_start: IsoTime = Field(examples=["2026-12-01T00:00:00Z"])
    period_end: IsoTime | None = Field(default=None, description="exclusive; null = open-ended",
                                       examples=["2027-01-01T00:00:00Z"])
    status: PromotionStatus = Field(default_factory=lambda: PromotionStatus.ACTIVE)  # a factory: see the docstring
    reward_condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC,
                                                    examples=[CONDITION_EXAMPLE])


class PromotionChanges(Fields):
    """Any subset of a promotion's fields; `periodEnd: null` makes it open-ended, `rewardCondition: null` removes
    the rule, `status` activates or deactivates."""

    name: PromotionName = unset("")
    description: Description = unset("")
    period_start: IsoTime = unset(_UNSET_TIME)
    period_end: IsoTime | None = unset(None)
    status: PromotionStatus = unset(PromotionStatus.ACTIVE)
    reward_condition: dict[str, Any] | None = Field(default_factory=lambda: None, description=CONDITION_DOC)


class RewardTermsFields(Fields):
    """How a reward is offered in a promotion."""

    condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC)
    auto_resolve: StrictBool = False
    stock: Stock | None = Field(default=None, description="total grants; null = unlimited", examples=[100])
    per_user_limit: PerUserLimit = 1


class RewardTermsChanges(Fields):
    """Any subset of the terms; `condition: null` removes the rule, `stock: null` makes the stock unlimited."""

    condition: dict[str, Any] | None = Field(default_factory=lambda: None, description=CONDITION_DOC)
    auto_resolve: StrictBool = unset(False)
    stock: Stock | None = unset(None)
    per_user_limit: PerUserLimit = unset(1)
