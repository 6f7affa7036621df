"""`POST /conditions/preview`'s answer: how many users a rule admits, with a sample of explained evaluations."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.schemas import EXAMPLE_ID, Schema


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
