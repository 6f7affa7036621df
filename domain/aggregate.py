"""Aggregate base: state changes only by applying events; `trigger` records new ones for the handler to append."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import ClassVar, Self

from domain.events import DomainEvent, RecordedEvent


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

    def catch_up(self, recorded: Iterable[RecordedEvent]) -> None:
        """Fold stored events of this stream, in version order, and stand at the version of the last."""
        for event in recorded:
            self.apply(event.event)
            self.version = event.version

    def draft(self) -> Self:
        """A copy to decide on, so a refused or lost decision leaves this one as stored (commands/desk.py).
        Aggregates with large state override it with a cheaper copy."""
        d = copy.deepcopy(self)
        d._pending = []
        return d

    def trigger(self, event: DomainEvent) -> None:
        self.apply(event)
        self._pending.append(event)

    @property
    def uncommitted(self) -> tuple[DomainEvent, ...]:
        """The events recorded since they were last collected (what the decision under way has recorded)."""
        return tuple(self._pending)

    def collect_events(self) -> list[DomainEvent]:
        events, self._pending = self._pending, []
        return events

    @property
    def exists(self) -> bool:
        return self.version > 0 or bool(self._pending)
