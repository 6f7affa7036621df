"""The Promotion aggregate's events. Their type names, the stream (`Event-<id>`), the subject
(`rewards.evt.Event.<Type>`) and the `eventId` key of their payloads are the store's and SPEC's vocabulary, so
they say "Event"; inside the code the promotion's id is `promotion_id`, aliased to the stored `eventId`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.events import DomainEvent
from domain.stored_condition import StoredCondition
from domain.types import wire_named


class PromotionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class _PromotionFact(DomainEvent):
    AGGREGATE = "Event"


class EventCreated(_PromotionFact):
    promotion_id: str = wire_named("eventId")
    name: str
    description: str
    period_start: datetime
    period_end: datetime | None
    status: PromotionStatus
    reward_condition: StoredCondition | None
    created_by: str | None
    created_at: datetime


class EventUpdated(_PromotionFact):
    """The editable details after the change (all of them, so a fold needs no earlier state); `changed` names
    the fields that differ."""

    promotion_id: str = wire_named("eventId")
    name: str
    description: str
    period_start: datetime
    period_end: datetime | None
    reward_condition: StoredCondition | None
    changed: list[str]
    updated_by: str | None
    updated_at: datetime


class EventActivated(_PromotionFact):
    promotion_id: str = wire_named("eventId")
    changed_by: str | None
    at: datetime


class EventDeactivated(_PromotionFact):
    promotion_id: str = wire_named("eventId")
    changed_by: str | None
    at: datetime


class RewardAttachedToEvent(_PromotionFact):
    """`reward` is the catalogue entry as it was attached (catalogue rewards never change)."""

    promotion_id: str = wire_named("eventId")
    reward_id: str
    reward: dict[str, Any]
    condition: StoredCondition | None
    auto_resolve: bool
    stock: int | None
    per_user_limit: int
    attached_by: str | None
    at: datetime


class EventRewardUpdated(_PromotionFact):
    promotion_id: str = wire_named("eventId")
    reward_id: str
    condition: StoredCondition | None
    auto_resolve: bool
    stock: int | None
    per_user_limit: int
    changed: list[str]
    updated_by: str | None
    at: datetime


class RewardDetachedFromEvent(_PromotionFact):
    promotion_id: str = wire_named("eventId")
    reward_id: str
    detached_by: str | None
    at: datetime
