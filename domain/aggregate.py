"""Aggregate base: state changes only by applying events; `trigger` records new ones for the handler to append."""

from __future__ import annotations

from typing import ClassVar

from domain.events import DomainEvent


class Aggregate:
    """An event-sourced consistency boundary. Subclasses implement `apply` (a fold step, never raising)."""

    STREAM_PREFIX: ClassVar[str] = ""

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0
        self._pending: list[DomainEvent] = []

    @classmethod
    def stream_id(cls, aggregate_id: str) -> str:
        return f"{cls.STREAM_PREFIX or cls.__name__}-{aggregate_id}"

    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError

    def trigger(self, event: DomainEvent) -> None:
        self.apply(event)
        self._pending.append(event)

    def collect_events(self) -> list[DomainEvent]:
        events, self._pending = self._pending, []
        return events

    @property
    def exists(self) -> bool:
        return self.version > 0 or bool(self._pending)
