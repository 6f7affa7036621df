"""Domain event <-> stored document. Old schema versions are upcast here, on read, so the domain sees only the
current shape. Register an upcaster as `UPCASTERS[("TypeName", 1)] = fn` turning v1 data into v2 data."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import domain
from domain.events import EVENT_TYPES, DomainEvent, RecordedEvent

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def _load_domain_events() -> None:
    """Import every domain module so each event class registers itself: a reader (the relay, replay, a test)
    must decode every stored type without having imported the aggregates that wrote it."""
    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"domain.{module.name}")


_load_domain_events()


class UnknownEventType(LookupError):
    pass


def event_to_doc(event: DomainEvent, event_id: str) -> dict[str, Any]:
    return {"id": event_id, "type": event.type_name(), "schema": event.SCHEMA_VERSION, "data": event.to_data()}


def upcast(type_name: str, schema: int, data: dict[str, Any]) -> dict[str, Any]:
    """Apply upcasters one version at a time until the payload is at the class's current version."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownEventType(type_name)
    while schema < cls.SCHEMA_VERSION:
        data = UPCASTERS[(type_name, schema)](data)
        schema += 1
    return data


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def commit_to_events(commit: dict[str, Any]) -> list[RecordedEvent]:
    """Expand one stored commit document into its recorded events, positions and versions assigned in order.
    The envelope's schema version is the one the (upcast) payload now has."""
    out = []
    for offset, doc in enumerate(commit["events"]):
        data = upcast(doc["type"], doc["schema"], doc["data"])
        event = EVENT_TYPES[doc["type"]].model_validate(data)
        out.append(RecordedEvent(
            event_id=doc["id"], stream_id=commit["stream"], version=commit["version"] + offset,
            position=commit["position"] + offset, type=doc["type"], schema_version=event.SCHEMA_VERSION,
            occurred_at=_utc(commit["at"]), actor=commit.get("actor"), correlation_id=commit.get("correlationId"),
            causation_id=commit.get("causationId"), event=event))
    return out


def commit_to_doc(stream_id: str, version: int, position: int, events: list[dict[str, Any]], commit_id: str,
                  claim: str | None, actor: str | None, correlation_id: str | None, causation_id: str | None,
                  at: datetime) -> dict[str, Any]:
    """The stored commit. `claim` defaults to the commit id so the unique index never sees two nulls."""
    return {"_id": commit_id, "stream": stream_id, "version": version, "position": position,
            "last": position + len(events) - 1, "claim": claim or f"commit:{commit_id}", "at": at,
            "actor": actor, "correlationId": correlation_id, "causationId": causation_id, "events": events}
