"""A reward attached to an event, with its own terms and remaining stock, as the API answers it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.resources.events import EXAMPLE_EVENT_ID
from gateway.resources.rewards import EXAMPLE_REWARD, RewardOut
from gateway.schemas import Page, Schema


class EventRewardOut(Schema):
    event_id: str = Field(examples=[EXAMPLE_EVENT_ID])
    reward_id: str = Field(examples=[EXAMPLE_REWARD["id"]])
    reward: RewardOut = Field(description="a copy of the catalogue reward", examples=[EXAMPLE_REWARD])
    condition: dict[str, Any] | None = Field(examples=[{"invites": {"min": 2}}])
    auto_resolve: bool
    stock: int | None = Field(description="null = unlimited", examples=[100])
    remaining: int | None = Field(description="stock minus grants; null = unlimited", examples=[97])
    per_user_limit: int = Field(examples=[1])


class EventRewardDetached(Schema):
    event_id: str = Field(examples=[EXAMPLE_EVENT_ID])
    reward_id: str = Field(examples=[EXAMPLE_REWARD["id"]])
    detached: bool = Field(examples=[True])


class EventRewardPage(Page[EventRewardOut]):
    pass
