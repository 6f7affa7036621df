"""The Event aggregate's events (stream `Event-<id>`, published as `rewards.evt.Event.<Type>`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.events import DomainEvent
from domain.stored_condition import StoredCondition


class EventStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class _EventFact(DomainEvent):
    AGGREGATE = "Event"


class EventCreated(_EventFact):
    event_id: str
    name: str
    description: str
    period_start: datetime
    period_end: datetime | None
    status: EventStatus
    reward_condition: StoredCondition | None
    created_by: str | None
    created_at: datetime


class EventUpdated(_EventFact):
    """The editable details after the change (all of them, so a fold needs no earlier state); `changed` names
    the fields that differ."""

    event_id: str
    name: str
    description: str
    period_start: datetime
    period_end: datetime | None
    reward_condition: StoredCondition | None
    changed: list[str]
    updated_by: str | None
    updated_at: datetime


class EventActivated(_EventFact):
    event_id: str
    changed_by: str | None
    at: datetime


class EventDeactivated(_EventFact):
    event_id: str
    changed_by: str | None
    at: datetime


class RewardAttachedToEvent(_EventFact):
    """`reward` is the catalogue entry as it was attached (catalogue rewards never change)."""

    event_id: str
    reward_id: str
    reward: dict[str, Any]
    condition: StoredCondition | None
    auto_resolve: bool
    stock: int | None
    per_user_limit: int
    attached_by: str | None
    at: datetime


class EventRewardUpdated(_EventFact):
    event_id: str
    reward_id: str
    condition: StoredCondition | None
    auto_resolve: bool
    stock: int | None
    per_user_limit: int
    changed: list[str]
    updated_by: str | None
    at: datetime


class RewardDetachedFromEvent(_EventFact):
    event_id: str
    reward_id: str
    detached_by: str | None
    at: datetime
