"""JSON log lines carrying the correlation id of the request or command being served."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "service": self.service, "logger": record.name,
                "msg": record.getMessage(), "correlationId": correlation_id.get()}
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(OutageFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "pymongo", "faststream", "nats", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
