"""One JSON line per log record, from structlog and from the standard library alike, carrying the correlation id of
the request or command being served.

New log lines use structlog with key-value fields (`structlog.get_logger("ledger.x").info("msg", key=value)`); the
modules that still call `logging.getLogger(...)` keep working and come out in the same shape, because structlog
hands its event to the standard library's handler and one `ProcessorFormatter` renders both (the standard library's
records through `foreign_pre_chain`). One handler also keeps `OutageFilter` in front of every line.

Every line: `ts` (ISO 8601, UTC), `level`, `service` (the part), `logger`, `msg`, `correlationId` (null when none),
then the event's fields; a traceback is the field `exc`, so a line stays a line (docs/logging.md)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
#: The keys every line starts with, in this order (the shared contract with Loki, the CLI and the tests).
HEAD = ("ts", "level", "service", "logger", "msg", "correlationId")


def _context(service: str) -> Processor:
    """The part, and the correlation id of what is being served (the formatter runs in the logging call, so in the
    caller's context)."""

    def add(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        event["service"] = service
        event.setdefault("correlationId", correlation_id.get())  # a field bound explicitly wins
        return event

    return add


def _line(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """`event` -> `msg`, the traceback (already text) -> `exc`, the common keys first."""
    event["msg"] = event.pop("event", "")
    if "exception" in event:
        event["exc"] = event.pop("exception")
    head = {key: event.pop(key, None) for key in HEAD}
    return {**head, **event}


def _render(_: WrappedLogger, __: str, event: EventDict) -> str:
    return json.dumps(event, default=str, ensure_ascii=False)


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """Renders structlog's events and the standard library's records as the same one-line JSON object."""

    def __init__(self, service: str) -> None:
        super().__init__(foreign_pre_chain=SHARED,
                         processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                                     structlog.processors.format_exc_info, _context(service), _line, _render])


#: What both kinds of line get before the formatter. The service is added by the formatter, so structlog's
#: configuration (and the loggers it caches) is the same in every process.
SHARED: list[Processor] = [structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
                           structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts")]


class OutageFilter(logging.Filter):
    """One line per server outage instead of a traceback per retry: the first failure record caused by an unreachable
    server (see `base.outages`) passes without its traceback, repeats from the same logger are dropped for
    `quiet_seconds`. The parts' retry loops log every failed batch; during an outage that was a traceback a poll."""

    def __init__(self, quiet_seconds: float = 60.0) -> None:
        super().__init__()
        self.quiet_seconds = quiet_seconds
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        from base.outages import unavailable_service

        error = record.exc_info[1] if record.exc_info else None
        service = unavailable_service(error) if error is not None else None
        if service is None:
            return True
        key = (record.name, service)
        if record.created - self._last.get(key, float("-inf")) < self.quiet_seconds:
            return False
        self._last[key] = record.created
        record.msg = f"{record.getMessage()}: {service} is unreachable ({type(error).__name__}: {error}); " \
                     f"retrying, repeats muted for {self.quiet_seconds:.0f}s"
        record.args, record.exc_info, record.exc_text = None, None, None
        return True


def setup_logging(service: str, level: str = "INFO") -> None:
    """Route both libraries to one stderr handler (the supervisor writes a part's stderr to DATA_DIR/logs). A level
    below `level` costs one `isEnabledFor` check: structlog's chain starts with `filter_by_level`, and the bound
    loggers are cached after their first use."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(OutageFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "pymongo", "faststream", "nats", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, structlog.stdlib.PositionalArgumentsFormatter(),
                    *SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True)

