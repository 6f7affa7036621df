"""Which exceptions mean "a server is unreachable" (NATS, Valkey/Redis, the store): the gateway answers them 503
(gateway/outages.py) and the parts' logs say them in one line (base/logging.py), never a traceback per poll."""

from __future__ import annotations

from collections.abc import Iterator

from nats import errors as nats_errors
from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

#: Seconds a client is told to wait: about one reconnect attempt of the parts' clients.
RETRY_AFTER_SECONDS = 2
#: The gateway's store reads give up on server selection after this long (pymongo's default is 30 s), so a store
#: outage answers 503 in about two seconds.
STORE_SELECTION_TIMEOUT_MS = 2000

# pymongo: ConnectionFailure covers AutoReconnect, ServerSelectionTimeoutError, NetworkTimeout, NotPrimaryError.
_OUTAGES: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("the event store", (ConnectionFailure,)),
    ("Redis", (RedisConnectionError, RedisTimeoutError)),
    ("NATS", (nats_errors.ConnectionClosedError, nats_errors.StaleConnectionError, nats_errors.NoServersError,
              nats_errors.OutboundBufferLimitError, nats_errors.ConnectionReconnectingError,
              nats_errors.ConnectionDrainingError, nats_errors.UnexpectedEOF)),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and the members of exception groups, once each."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
        if isinstance(current, BaseExceptionGroup):
            todo += list(current.exceptions)


def unavailable_service(exc: BaseException) -> str | None:
    """The name of the server whose outage caused `exc`, or None when it is not an outage."""
    for error in _chain(exc):
        for service, types in _OUTAGES:
            if isinstance(error, types):
                return service
    return None
