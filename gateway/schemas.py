"""Request and response bodies of the HTTP API (camelCase on the wire, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class UserCreate(Schema):
    email: str = Field(min_length=3, max_length=254, examples=["player@example.com"])
    password: str = Field(min_length=1, max_length=256)


class UserOut(Schema):
    id: str
    email: str
    roles: list[str]
    created_at: datetime | None
    last_login_at: datetime | None
