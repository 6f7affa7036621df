"""Request and response bodies of the HTTP API (camelCase on the wire, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from litestar.params import KwargDefinition
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from commands.identity import Credentials, Registration, RoleSet
from domain.promotion_events import PromotionStatus

T = TypeVar("T")
#: Realistic values for the documentation (Swagger shows them; SPEC "Contract details" formats).
EXAMPLE_ID = "3f9c2a7d5e8b4c1a9d6e0f2b7c4a8e1d"
EXAMPLE_TIME = "2026-11-25T10:00:00.000Z"
#: A promotion's status under the HTTP surface's name ("event"): the same type and values, documented as `EventStatus`.
EventStatus = Annotated[PromotionStatus, KwargDefinition(schema_component_key="EventStatus")]


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


class LoginIn(Schema, Credentials):
    """The `LogIn` command's own fields."""


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
