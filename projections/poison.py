"""An event a reader cannot fold: the reader stops before it, alone, and says so once.

A reader (a projection runner, the relay, replay) that retried such an event forever would hide every later event
behind it while the writes kept answering 2xx. Stopping just that reader keeps the rest of the read side going; the
stop is recorded beside its checkpoint (the pointer document, the relay's checkpoint) so the gateway can report it,
and a restart after the stored event is fixed resumes from the checkpoint, which stays before the event."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import ExecutionTimeout, PyMongoError, WriteConcernError

from base.outages import unavailable_service
from commands.store.mapper import UnreadableEvent
from domain.clock import iso
from domain.events import RecordedEvent

#: Beyond an unreachable server (base/outages.py): slow or failing-over stores, which also say nothing of the event.
_TRANSIENT_TYPES = (ExecutionTimeout, WriteConcernError, OSError, TimeoutError)


def transient(exc: BaseException) -> bool:
    """A failure that says nothing about the event (the store or the bus is away, a failover, a timeout): the
    batch is retried, never a stop."""
    return unavailable_service(exc) is not None or isinstance(exc, _TRANSIENT_TYPES) or (
        isinstance(exc, PyMongoError) and exc.has_error_label("RetryableWriteError"))
MAX_ERROR_CHARS = 500


class PoisonEvent(Exception):
    """`event` cannot be folded by `reader`; `error` says why (the decoding or the fold's error)."""

    def __init__(self, event: RecordedEvent, error: str) -> None:
        super().__init__(f"position {event.position} ({event.type}): {error}")
        self.event, self.error = event, error[:MAX_ERROR_CHARS]

    @classmethod
    def of_unreadable(cls, event: UnreadableEvent) -> PoisonEvent:
        return cls(event, event.error)

    @property
    def position(self) -> int:
        return self.event.position

    def record(self) -> dict[str, Any]:
        """What is stored beside the checkpoint and shown by `/health/ready`."""
        return {"position": self.event.position, "type": self.event.type, "eventId": self.event.event_id,
                "streamId": self.event.stream_id, "error": self.error, "stoppedAt": iso(datetime.now(UTC))}

    def log(self, logger: logging.Logger, reader: str) -> None:
        logger.error("%s stopped before position %d (%s, event %s): %s; fix the stored event, then restart it",
                     reader, self.event.position, self.event.type, self.event.event_id, self.error)


def first_unreadable(events: list[RecordedEvent]) -> UnreadableEvent | None:
    return next((e for e in events if isinstance(e, UnreadableEvent)), None)
