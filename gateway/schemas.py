"""Request and response bodies of the HTTP API (camelCase on the wire, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from domain.types import SingleLine
from domain.user import Role

T = TypeVar("T")


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Page(Schema, Generic[T]):
    """The one list shape (SPEC): `{items, total, page, limit}`; subclass it per item type for a named schema."""

    items: list[T]
    total: int
    page: int
    limit: int


class UserCreate(Schema):
    email: SingleLine = Field(min_length=3, max_length=254, examples=["player@example.com"])
    password: str = Field(min_length=1, max_length=256)


class UserOut(Schema):
    id: str
    email: str
    roles: list[str]
    created_at: datetime | None
    last_login_at: datetime | None


class LoginIn(Schema):
    email: SingleLine = Field(min_length=1, max_length=254, examples=["player@example.com"])
    password: str = Field(min_length=1, max_length=256)


class TokenOut(Schema):
    """Login and refresh answer; the refresh token travels only in the `refresh_token` cookie."""

    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="seconds until the access token expires")
    user: UserOut


class RolesIn(Schema):
    roles: list[Role] = Field(max_length=16, examples=[["USER", "OPERATOR"]])


class FieldErrorOut(Schema):
    path: str = Field(description="JSON pointer into the request body")
    message: str


class ProblemOut(Schema):
    """application/problem+json (RFC 9457), the body of every 4xx/5xx."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | None = None
