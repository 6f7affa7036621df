"""Commands (imperative, validated at the edge) and the reply every handler sends back over NATS."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

COMMANDS: dict[str, type[Command]] = {}


class Command(BaseModel):
    """A request to change something. The class name is the NATS subject suffix (`rewards.cmd.<Name>`)."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        COMMANDS[cls.__name__] = cls

    @classmethod
    def name(cls) -> str:
        return cls.__name__


class Ping(Command):
    """Does nothing: measures the bus round trip."""


class ErrorBody(BaseModel):
    code: str
    status: int
    title: str
    detail: str
    errors: list[dict[str, str]] = []


class CommandReply(BaseModel):
    """Outcome of a command: the result, stream version and global position, or a typed error."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    ok: bool
    stream_id: str | None = None
    version: int | None = None
    position: int | None = None
    result: dict[str, Any] | None = None
    error: ErrorBody | None = None

    STATUS_BY_CODE: ClassVar[dict[str, tuple[int, str]]] = {
        "invalid-input": (422, "Validation failed"),
        "not-found": (404, "Not found"),
        "conflict": (409, "Conflict"),
        "forbidden": (403, "Forbidden"),
        "unauthorized": (401, "Unauthorized"),
        "bad-request": (400, "Bad request"),
        "domain-error": (422, "Rule violated"),
        "unavailable": (503, "Service unavailable"),
    }
