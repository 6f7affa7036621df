"""Liveness and readiness answers."""

from __future__ import annotations

from pydantic import Field

from gateway.resources import Sparse
from gateway.schemas import EXAMPLE_TIME, Schema


class StatusOut(Sparse):
    """`/health/live` and `/auth/test`."""

    omitted_when_none = frozenset({"service"})

    status: str = Field(examples=["ok"])
    service: str | None = Field(default=None, examples=["auth"])


class StoppedReaderOut(Schema):
    """A projection or the relay stopped before an event it cannot fold (the error itself is in the log)."""

    reader: str = Field(examples=["projection:rewards"])
    position: int | None = Field(examples=[1042])
    type: str | None = Field(examples=["RewardCreated"])
    stopped_at: str | None = Field(examples=[EXAMPLE_TIME])


class ReadinessOut(Sparse):
    """`/health/ready`: 200 when every server is reachable ("degraded" when a reader stopped), else 503 with the
    same shape (and Retry-After)."""

    omitted_when_none = frozenset({"stopped"})

    status: str = Field(description='"ok", "degraded" or "unavailable"', examples=["ok"])
    checks: dict[str, str] = Field(description='"ok" or "down" per dependency ("degraded" for readSide)',
                                   examples=[{"nats": "ok", "store": "ok", "redis": "ok"}])
    stopped: list[StoppedReaderOut] | None = Field(default=None, description="present only when degraded")
