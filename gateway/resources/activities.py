"""`POST /activities`' answer: the fact was recorded, or had been already."""

from __future__ import annotations

from pydantic import Field

from gateway.schemas import EXAMPLE_ID, Schema


class ActivityAccepted(Schema):
    id: str = Field(description="the reporter's idempotency id", examples=["login-2026-11-25-3f9c2a7d"])
    user_id: str = Field(examples=[EXAMPLE_ID])
    kind: str = Field(examples=["login"])
    duplicate: bool = Field(description="true when this id was already recorded (stored once, not an error)")
