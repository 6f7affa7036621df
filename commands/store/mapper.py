"""Domain event <-> stored document. Old schema versions are upcast here, on read, so the domain sees only the
current shape. Register an upcaster as `UPCASTERS[("TypeName", 1)] = fn` turning v1 data into v2 data."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

import domain
from commands.store.base import commit_claim
from domain.clock import epoch_ms
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


#: What a stored event that cannot be decoded raises: its type is unknown, an upcaster is missing, or the payload
#: fails the event's schema. The store's own read errors (connection, server) are not among them.
DECODE_ERRORS = (LookupError, ValueError, TypeError)


@dataclass(frozen=True)
class UnreadableEvent(RecordedEvent):
    """A stored event this code cannot decode, handed to readers in its place (`event` is an empty payload) so
    each reader decides alone: a projection that folds `type` stops before it, the others pass it by, and the
    relay may forward the stored payload (`data`) of a known type."""

    error: str = ""
    data: Any = None

    @property
    def known_type(self) -> type[DomainEvent] | None:
        return EVENT_TYPES.get(self.type)

    @property
    def aggregate(self) -> str:
        cls = self.known_type
        return (cls.AGGREGATE if cls else "") or self.stream_id.split("-", 1)[0]

    def envelope(self) -> dict[str, Any]:
        """The stored payload as is, less the private fields its type declares."""
        cls = self.known_type
        data = cls.public(self.data) if cls and isinstance(self.data, dict) else self.data
        return super().envelope() | {"data": data}


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


def plain(value: Any) -> Any:
    """`value` with every integer subclass made a plain `int`. The store hands back integers >= 2^31 as
    `bson.int64.Int64` (real MongoDB too), which the domain's strict integer type refuses, as it must for JSON
    input; a stored event is data we wrote, so it is read back as plain JSON types."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, int) and type(value) not in (int, bool):
        return int(value)
    return value


def describe(exc: Exception) -> str:
    """One line for logs and stop records: a validation error's paths and messages, without the input values."""
    if isinstance(exc, ValidationError):
        return "ValidationError: " + "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False))
    return f"{type(exc).__name__}: {exc}"


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _decode(doc: dict[str, Any]) -> DomainEvent:
    type_name = doc["type"]
    data = upcast(type_name, int(doc["schema"]), plain(doc["data"]))
    return EVENT_TYPES[type_name].model_validate(data)


def commit_to_events(commit: dict[str, Any], lenient: bool = False) -> list[RecordedEvent]:
    """Expand one stored commit document into its recorded events, positions and versions assigned in order.
    The envelope's schema version is the one the (upcast) payload now has. `lenient` (readers: projections, the
    relay, replay) turns an event that cannot be decoded into an `UnreadableEvent`; loading an aggregate must not
    skip one, so it raises there."""
    out: list[RecordedEvent] = []
    version, position = int(commit["version"]), int(commit["position"])
    for offset, doc in enumerate(commit["events"]):
        envelope: dict[str, Any] = {
            "event_id": doc.get("id"), "stream_id": commit["stream"], "version": version + offset,
            "position": position + offset, "type": str(doc.get("type")), "occurred_at": _utc(commit["at"]),
            "actor": commit.get("actor"), "correlation_id": commit.get("correlationId"),
            "causation_id": commit.get("causationId")}
        try:
            event = _decode(doc)
        except DECODE_ERRORS as exc:
            if not lenient:
                raise
            out.append(UnreadableEvent(**envelope, schema_version=_int_or_zero(doc.get("schema")), event=DomainEvent(),
                                       error=describe(exc), data=plain(doc.get("data"))))
            continue
        out.append(RecordedEvent(**envelope, schema_version=event.SCHEMA_VERSION, event=event))
    return out


#: A lookup key's value when the commit's events do not all share one (a multi-type commit, a settlement that
#: rejects several users' requests): the audit reads such commits too and filters their events one by one.
MIXED = "*"
USER_PREFIX, PROMOTION_PREFIX = "User-", "Event-"


def event_user(stream_id: str, event: dict[str, Any]) -> str | None:
    """The user a stored event is about: its User stream, or the `userId` of its payload (activities, requests)."""
    if stream_id.startswith(USER_PREFIX):
        return stream_id[len(USER_PREFIX):]
    user = (event.get("data") or {}).get("userId")
    return user if isinstance(user, str) else None


def event_promotion(stream_id: str, event: dict[str, Any]) -> str | None:
    """The promotion a stored event is about: its Event stream (changes, rewards, requests, decisions), or the
    `eventId` of its payload."""
    if stream_id.startswith(PROMOTION_PREFIX):
        return stream_id[len(PROMOTION_PREFIX):]
    promotion = (event.get("data") or {}).get("eventId")
    return promotion if isinstance(promotion, str) else None


def _one(values: list[str | None]) -> str | None:
    """The value every event shares, None when none has one, MIXED otherwise (some events differ or lack it)."""
    distinct = set(values)
    if distinct == {None}:
        return None
    return values[0] if len(distinct) == 1 else MIXED


def commit_keys(stream_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The audit's lookup keys, written on each commit at append time (and by the backfill on older ones), each a
    single value under a single-field index: the stand-in matches no array elements on an indexed field."""
    return {"userId": _one([event_user(stream_id, e) for e in events]),
            "eventId": _one([event_promotion(stream_id, e) for e in events]),
            "type": _one([str(e.get("type")) for e in events])}


def last_version(commit: dict[str, Any]) -> int:
    """The stream version of a stored commit's last event (a commit holds versions `version` up to this)."""
    return int(commit["version"]) + len(commit["events"]) - 1


def commit_to_doc(stream_id: str, version: int, position: int, events: list[dict[str, Any]], commit_id: str,
                  claim: str | None, actor: str | None, correlation_id: str | None, causation_id: str | None,
                  at: datetime) -> dict[str, Any]:
    """The stored commit. `claim` defaults to the commit id so the unique index never sees two nulls. `at` is kept
    to the millisecond (what both stores keep), so `atMs` is the very time read back."""
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
    return {"_id": commit_id, "stream": stream_id, "version": version, "position": position,
            "last": position + len(events) - 1, "claim": claim or commit_claim(commit_id), "at": at,
            "actor": actor, "correlationId": correlation_id, "causationId": causation_id, "events": events,
            **commit_keys(stream_id, events), "atMs": epoch_ms(at)}
