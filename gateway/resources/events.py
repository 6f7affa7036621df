"""An event (promotion) as the API answers it: `POST/PATCH /events...` and `GET /events...` alike."""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field

from gateway.promotion_schemas import CONDITION_EXAMPLE
from gateway.schemas import EXAMPLE_ID, EXAMPLE_TIME, EventStatus, Page, Schema

EXAMPLE_EVENT_ID: Final = "5d1e7a3c9b2f4e6a8c0d1b3e5f7a9c2e"


class EventOut(Schema):
    id: str = Field(examples=[EXAMPLE_EVENT_ID])
    name: str = Field(examples=["Winter login festival"])
    description: str = Field(examples=["Log in three days running this December"])
    period_start: str = Field(examples=["2026-12-01T00:00:00.000Z"])
    period_end: str | None = Field(description="exclusive; null = open-ended", examples=["2027-01-01T00:00:00.000Z"])
    status: EventStatus
    reward_condition: dict[str, Any] | None = Field(examples=[CONDITION_EXAMPLE])
    created_by: str | None = Field(examples=[EXAMPLE_ID])
    created_at: str = Field(examples=[EXAMPLE_TIME])
    updated_at: str = Field(examples=[EXAMPLE_TIME])


class EventPage(Page[EventOut]):
    pass
