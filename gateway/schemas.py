"""Request and response bodies of the HTTP API (camelCase on the wire, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from commands.identity import Credentials, Registration, RoleSet

T = TypeVar("T")
#: Realistic values for the documentation (Swagger shows them; SPEC "Contract details" formats).
EXAMPLE_ID = "3f9c2a7d5e8b4c1a9d6e0f2b7c4a8e1d"
EXAMPLE_TIME = "2026-11-25T10:00:00.000Z"


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Page(Schema, Generic[T]):
    """The one list shape (SPEC): `{items, total, page, limit}`; subclass it per item type for a named schema."""

    items: list[T]
    total: int
    page: int
    limit: int


class UserCreate(Schema, Registration):
    """The `RegisterUser` command's own fields."""


class UserOut(Schema):
    id: str = Field(examples=[EXAMPLE_ID])
    email: str = Field(examples=["player@example.com"])
    roles: list[str] = Field(examples=[["USER"]])
    created_at: datetime | None = Field(examples=[EXAMPLE_TIME])
    last_login_at: datetime | None = Field(description="null until the first login", examples=[EXAMPLE_TIME])


class LoginIn(Schema, Credentials):
    """The `LogIn` command's own fields."""


class TokenOut(Schema):
    """Login and refresh answer; the refresh token travels only in the `refresh_token` cookie."""

    access_token: str = Field(description="EdDSA-signed JWT; send it as `Authorization: Bearer <token>`",
                              examples=["eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIzZjljIn0.c2lnbmF0dXJl"])
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="seconds until the access token expires", examples=[900])
    user: UserOut


class RolesIn(Schema, RoleSet):
    """The `ChangeUserRoles` command's own fields (the user is the path's)."""


class FieldErrorOut(Schema):
    path: str = Field(description="JSON pointer into the request body", examples=["/periodStart"])
    message: str = Field(examples=["Input should be a valid datetime"])


class ProblemOut(Schema):
    """application/problem+json (RFC 9457), the body of every 4xx/5xx."""

    type: str = Field(examples=["/problems/validation-failed"])
    title: str = Field(examples=["Validation failed"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["the request body breaks the schema"])
    errors: list[FieldErrorOut] | None = Field(default=None, description="only for field errors")


class StatusOut(Schema):
    """`/health/live` and `/auth/test`."""

    status: str = Field(examples=["ok"])
    service: str | None = Field(default=None, examples=["auth"])


class StoppedReaderOut(Schema):
    """A projection or the relay stopped before an event it cannot fold (the error itself is in the log)."""

    reader: str = Field(examples=["projection:rewards"])
    position: int | None = Field(examples=[1042])
    type: str | None = Field(examples=["RewardCreated"])
    stopped_at: str | None = Field(examples=["2026-11-25T10:00:00.000Z"])


class ReadinessOut(Schema):
    """`/health/ready`: 200 when every server is reachable ("degraded" when a reader stopped), else 503 with the
    same shape (and Retry-After)."""

    status: str = Field(description='"ok", "degraded" or "unavailable"', examples=["ok"])
    checks: dict[str, str] = Field(description='"ok" or "down" per dependency ("degraded" for readSide)',
                                   examples=[{"nats": "ok", "store": "ok", "redis": "ok"}])
    stopped: list[StoppedReaderOut] | None = Field(default=None, description="present only when degraded")
