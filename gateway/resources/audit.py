"""Stored events as the audit answers them (`GET /audit`, `GET /events/{eventId}/history`): the envelope the store
recorded, with the payload less its private fields (never a password hash)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from domain.events import RecordedEvent
from gateway.schemas import EXAMPLE_ID, EXAMPLE_TIME, Page, Schema


class AuditEventOut(Schema):
    position: int = Field(description="the event's global position in the store (gapless, from 1)", examples=[42])
    stream_id: str = Field(description="`User-<id>`, `Event-<id>` (a promotion, its rewards and requests), "
                                       "`Activity-<id>`, `Reward-<id>` or `LoginAttempt-<id>`",
                           examples=[f"User-{EXAMPLE_ID}"])
    type: str = Field(examples=["UserRolesChanged"])
    data: dict[str, Any] = Field(description="the event's payload, less its private fields",
                                 examples=[{"userId": EXAMPLE_ID, "roles": ["OPERATOR", "USER"],
                                            "previousRoles": ["USER"]}])
    actor_id: str | None = Field(description="the signed-in user whose request caused it; null when anonymous "
                                             "(registration, login) or the platform's own (a policy)",
                                 examples=[EXAMPLE_ID])
    correlation_id: str | None = Field(description="the X-Correlation-Id of the HTTP request that caused it",
                                       examples=["c0ffee00c0ffee00c0ffee00c0ffee00"])
    causation_id: str | None = Field(description="the id of the command that recorded it",
                                     examples=["9d6e0f2b7c4a8e1d3f9c2a7d5e8b4c1a"])
    recorded_at: str = Field(description="when the store recorded it (UTC, ms)", examples=[EXAMPLE_TIME])

    @classmethod
    def of(cls, event: RecordedEvent) -> AuditEventOut:
        envelope = event.envelope()  # public data (an unreadable event's stored payload, less its private fields)
        at = event.occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return cls(position=event.position, stream_id=event.stream_id, type=event.type, data=envelope["data"] or {},
                   actor_id=event.actor, correlation_id=event.correlation_id, causation_id=event.causation_id,
                   recorded_at=at)


class AuditPageOut(Page[AuditEventOut]):
    pass
