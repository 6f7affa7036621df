"""One JSON line per log record, from structlog and from the standard library alike, carrying the correlation id of
the request or command being served.

New log lines use structlog with key-value fields (`structlog.get_logger("ledger.x").info("msg", key=value)`); the
modules that still call `logging.getLogger(...)` keep working and come out in the same shape: their handler's
`ProcessorFormatter` runs structlog's chain (`CHAIN`) on each record (`foreign_pre_chain`). `OutageFilter` sits on
that handler, in front of the retry loops' lines, which all use the standard library.

Every line: `ts` (ISO 8601, UTC), `level`, `service` (the part), `logger`, `msg`, `correlationId` (null when none),
then the event's fields; a traceback is the field `exc`, so a line stays a line (docs/logging.md)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
#: The keys every line starts with, in this order (the shared contract with Loki, the CLI and the tests).
HEAD = ("ts", "level", "service", "logger", "msg", "correlationId")


class _Stderr:
    """structlog's own output: the rendered line straight to the process's stderr, as the standard library's handler
    writes (the supervisor keeps it in DATA_DIR/logs). No `LogRecord`, no second formatting pass: a request line
    costs a third of what it costs through the standard library (docs/logging.md, "Cost")."""

    def __init__(self, name: str = "") -> None:
        self.name = name  # the `logger` key (structlog's add_logger_name reads it)

    def msg(self, line: str) -> None:
        _stream.write(line + "\n")  # the module's, not the logger's: loggers are cached, setup may run again
        _stream.flush()

    debug = info = warning = error = critical = exception = msg


_service = "ledger"
_stream: TextIO = sys.stderr  # where setup_logging found stderr, as the standard library's handler


def _context(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The part, and the correlation id of what is being served (both chains run inside the logging call, so in
    the caller's context)."""
    event["service"] = _service
    event.setdefault("correlationId", correlation_id.get())  # a field bound explicitly wins
    return event


def _line(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """`event` -> `msg`, the traceback (already text) -> `exc`, the common keys first."""
    event["msg"] = event.pop("event", "")
    if "exception" in event:
        event["exc"] = event.pop("exception")
    head = {key: event.pop(key, None) for key in HEAD}
    return {**head, **event}


def _render(_: WrappedLogger, __: str, event: EventDict) -> str:
    return json.dumps(event, default=str, ensure_ascii=False)


#: Both kinds of line pass through these, from the first key to the rendered text.
CHAIN: list[Processor] = [structlog.processors.add_log_level, structlog.stdlib.add_logger_name,
                          structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"), _context,
                          structlog.processors.format_exc_info, _line, _render]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """Renders the standard library's records as structlog renders its own events: the same one-line JSON."""

    def __init__(self) -> None:
        super().__init__(foreign_pre_chain=CHAIN[:-3],
                         processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *CHAIN[-3:]])


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
    """Both libraries to stderr (the supervisor writes a part's stderr to DATA_DIR/logs), in one format. A structlog
    call below `level` is a no-op method (`make_filtering_bound_logger`); its loggers are cached on first use, so
    the level is the one of the process's first call (the parts make one)."""
    global _service, _stream
    _service, _stream = service, sys.stderr
    handler = logging.StreamHandler(_stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(OutageFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # ledger.nats is FastStream's logger in our parts (brokers/nats.py): at INFO it writes a line per pending task
    # at every shutdown ("callback for Task-N is being executed"); its errors are warnings or worse.
    for noisy in ("httpx", "pymongo", "faststream", "nats", "ledger.nats", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(processors=CHAIN, logger_factory=_Stderr,
                        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
                        cache_logger_on_first_use=True)
