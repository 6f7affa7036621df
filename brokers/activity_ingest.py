"""Activity facts from game servers over NATS: a `NatsRouter` on `rewards.activity.`, the same JSON as
`POST /activities` (`kind` may be left out: the subject names it).

Subscribed by every handler process in its queue group, so replicas share the stream of reports. The report runs
through the same dispatcher and handler as the HTTP route (`RecordActivity`); the command id derives from the
activity id, so a game server re-publishing a report is stored once. Core NATS is at-most-once: a publisher that
needs to know a report was stored uses request-reply, and the reply is the command's outcome.

The subscriber is typed (`ActivityReport`, so the AsyncAPI document shows the payload); a report it refuses - one
that leaves `kind` to the subject, or is invalid - takes the untyped path, which fills in the kind or answers
`invalid-input` with JSON pointers into the report."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from faststream.message import StreamMessage
from faststream.middlewares import BaseMiddleware
from faststream.nats import NatsRouter
from pydantic import ValidationError

from base.logging import correlation_id
from base.subjects import ACTIVITY_PREFIX
from brokers.command_router import MAX_WORKERS, StoreOf, dump
from commands.context import Actor, Caller
from commands.dispatch import dispatch, error_reply
from commands.messages import ACTIVITY_INGEST, SERVICE, CommandReply
from commands.store.base import EventStore
from domain.activity_record import ActivityReport
from domain.errors import FieldError

log = logging.getLogger("ledger.activity")
#: The message being handled, for the typed subscriber (FastStream's `NatsMessage` injection would cost a thread hop
#: per message; see brokers/command_router.py `CALLER`).
_MESSAGE: ContextVar[StreamMessage[Any]] = ContextVar("activity_message")
#: The recorded actor of reports from game servers; who may publish them is the NATS permissions' business.
NATS_ACTOR = "service:nats"


def _command_id(payload: Any) -> str:
    activity_id = payload.get("id") if isinstance(payload, dict) else None
    if isinstance(activity_id, str) and activity_id:
        return hashlib.sha256(f"activity:{activity_id}".encode()).hexdigest()[:32]
    return uuid.uuid4().hex


async def ingest(subject: str, body: bytes, headers: dict[str, str], store: EventStore) -> CommandReply:
    """Record one report published on `subject`; never raises for anything the publisher sent."""
    kind = subject.rsplit(".", 1)[-1]
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return error_reply("bad-request", "the activity is not JSON")
    if isinstance(payload, dict) and payload.setdefault("kind", kind) != kind:
        return error_reply("invalid-input", "the activity's kind differs from its subject",
                           [FieldError("/kind", f"must be {kind!r}, as the subject says")])
    caller = Caller(_command_id(payload), Actor(NATS_ACTOR, frozenset({SERVICE})), via=ACTIVITY_INGEST,
                    correlation_id=headers.get("X-Correlation-Id") or None)
    return await dispatch("RecordActivity", {"activity": payload, "source": "nats"}, caller, store)


async def _ingest_logged(msg: StreamMessage[Any], store: EventStore) -> dict[str, Any]:
    subject, headers = msg.raw_message.subject, dict(msg.headers or {})
    token = correlation_id.set(headers.get("X-Correlation-Id") or None)
    try:
        reply = await ingest(subject, msg.body, headers, store)
    finally:
        correlation_id.reset(token)
    if not reply.ok and reply.error is not None:
        log.warning("activity refused on %s: %s %s", subject, reply.error.detail, reply.error.errors)
    return dump(reply)


def activity_router(store_of: StoreOf, queue: str) -> NatsRouter:
    """`store_of` is asked per message, so a process that swaps its store (a benchmark) is followed."""
    router = NatsRouter(prefix=f"{ACTIVITY_PREFIX}.", middlewares=[_untyped_fallback(store_of)])

    @router.subscriber("*", queue=queue, max_workers=MAX_WORKERS, title=f"{ACTIVITY_PREFIX}.{{kind}}")
    async def ingest_activity(report: ActivityReport) -> dict[str, Any]:
        """Activity facts from game servers (the body of POST /activities; `kind` may be left to the subject).
        Authenticated by the NATS permissions; a request gets the CommandReply, a duplicate id is ok."""
        return await _ingest_logged(_MESSAGE.get(), store_of())

    return router


def _untyped_fallback(store_of: StoreOf) -> type[BaseMiddleware]:
    class UntypedFallback(BaseMiddleware):
        """A report the typed subscriber refused still gets its typed reply (or is recorded, kind from subject)."""

        async def consume_scope(self, call_next: Callable[..., Any], msg: StreamMessage[Any]) -> Any:
            token = _MESSAGE.set(msg)
            try:
                return await call_next(msg)
            except ValidationError:
                return await _ingest_logged(msg, store_of())
            finally:
                _MESSAGE.reset(token)

    return UntypedFallback
