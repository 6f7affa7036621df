"""The event vocabulary's base: frozen, past-tense, versioned payloads, and the envelope they are recorded in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

EVENT_TYPES: dict[str, type[DomainEvent]] = {}


class DomainEvent(BaseModel):
    """A fact that happened. Subclasses are registered by class name, which is the stored `type`.

    `SCHEMA_VERSION` goes up when the payload changes shape; the store's mapper upcasts old payloads on read.
    `PRIVATE_FIELDS` (camelCase) are kept in the store but never published downstream (password hashes).
    """

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="forbid")

    AGGREGATE: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1
    PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        EVENT_TYPES[cls.__name__] = cls

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def public_data(self) -> dict[str, Any]:
        return self.public(self.to_data())

    @classmethod
    def public(cls, data: dict[str, Any]) -> dict[str, Any]:
        """A stored payload of this type less its private fields: what may leave the store (the event feed)."""
        return {k: v for k, v in data.items() if k not in cls.PRIVATE_FIELDS}


@dataclass(frozen=True)
class Metadata:
    """Who caused a change and in which conversation; copied onto every event of a commit."""

    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


@dataclass(frozen=True)
class RecordedEvent:
    """An event as read back from the store: the SPEC envelope plus the decoded payload."""

    event_id: str
    stream_id: str
    version: int
    position: int
    type: str
    schema_version: int
    occurred_at: datetime
    actor: str | None
    correlation_id: str | None
    causation_id: str | None
    event: DomainEvent

    @property
    def aggregate(self) -> str:
        return self.event.AGGREGATE or self.stream_id.split("-", 1)[0]

    def envelope(self) -> dict[str, Any]:
        """The JSON form published downstream (private fields dropped)."""
        return {
            "eventId": self.event_id, "streamId": self.stream_id, "version": self.version,
            "position": self.position, "type": self.type, "schemaVersion": self.schema_version,
            "occurredAt": self.occurred_at.isoformat().replace("+00:00", "Z"), "actor": self.actor,
            "correlationId": self.correlation_id, "causationId": self.causation_id,
            "data": self.event.public_data(),
        }
