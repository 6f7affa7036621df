"""Commands over NATS: a `NatsRouter` on `rewards.cmd.`, one typed subscriber per command class, in a queue group
so any number of handler replicas share the load; the reply is the subscriber's return value.

Every command message must carry the gateway's signed envelope (commands/envelope.py). It binds the exact body
bytes, so `EnvelopeCheck` verifies it on the raw message before FastStream decodes anything; the actor, command id
and correlation id come from it alone (handed to the subscriber as the `caller` context). A body the typed
subscriber refuses goes through the dispatcher untyped, which answers `forbidden` for a caller without the right
roles and otherwise `invalid-input` with JSON pointers - the same typed reply as before, never a time-out."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from faststream.message import StreamMessage
from faststream.middlewares import BaseMiddleware
from faststream.nats import NatsRouter
from pydantic import ValidationError

from base.logging import correlation_id
from base.subjects import COMMAND_PREFIX
from commands.context import Caller
from commands.dispatch import dispatch, error_reply
from commands.envelope import HEADER, EnvelopeRefused, EnvelopeVerifier
from commands.facts import FactsSource
from commands.handlers import COMMAND_HANDLERS
from commands.messages import Command, CommandReply
from commands.store.base import EventStore

log = logging.getLogger("ledger.handlers")
MAX_WORKERS = 64
#: The verified caller of the message being handled, set by `EnvelopeCheck`. A context variable, not FastStream's
#: `Context()`: that is resolved by a synchronous function FastStream runs in a worker thread, a thread hop per message.
CALLER: ContextVar[Caller] = ContextVar("caller")
ENVELOPE_DOC = (f"Every command needs the `{HEADER}` header: the gateway's Ed25519-signed envelope binding command, "
                "command id, SHA-256 of the body bytes, actor, caller, expiry (30 s) and correlation id. Without a "
                "valid one the reply is `unauthorized`. The reply is a CommandReply.")

StoreOf = Callable[[], EventStore]


def dump(reply: CommandReply) -> dict[str, Any]:
    """A reply as it goes on the wire (camelCase, no nulls)."""
    return reply.model_dump(mode="json", by_alias=True, exclude_none=True)


def command_router(store_of: StoreOf, verifier: EnvelopeVerifier, queue: str,
                   facts: FactsSource | None = None) -> NatsRouter:
    """`store_of` is asked per message, so a process that swaps its store (a benchmark) is followed; `facts` is
    where reward requests read users' facts (the handler process gives the read model's)."""
    router = NatsRouter(prefix=f"{COMMAND_PREFIX}.", middlewares=[_envelope_check(store_of, verifier, facts)])
    for cls in sorted(COMMAND_HANDLERS, key=lambda c: c.subject_name()):
        name = cls.subject_name()
        router.subscriber(name, queue=queue, max_workers=MAX_WORKERS, title=f"{COMMAND_PREFIX}.{name}",
                          description=f"{(cls.__doc__ or '').strip()}\n\n{ENVELOPE_DOC}".strip())(
                              _typed(cls, store_of, facts))
    return router


def _typed(cls: type[Command], store_of: StoreOf, facts: FactsSource | None) -> Callable[..., Any]:
    async def handle(command: Command) -> dict[str, Any]:
        return dump(await dispatch(cls.subject_name(), command, CALLER.get(), store_of(), facts=facts))

    # FastStream validates the body against the first parameter's annotation: this command's class.
    handle.__annotations__ = {**handle.__annotations__, "command": cls}
    handle.__name__ = handle.__qualname__ = f"handle_{cls.subject_name()}"
    return handle


def _envelope_check(store_of: StoreOf, verifier: EnvelopeVerifier,
                    facts: FactsSource | None) -> type[BaseMiddleware]:
    class EnvelopeCheck(BaseMiddleware):
        """Verify the envelope on the raw bytes, then run the typed subscriber as the caller it names."""

        async def consume_scope(self, call_next: Callable[..., Any], msg: StreamMessage[Any]) -> Any:
            name = msg.raw_message.subject.removeprefix(f"{COMMAND_PREFIX}.")
            body = msg.body or b""
            try:
                caller = verifier.verify(name, body, msg.headers or {})
            except EnvelopeRefused as exc:
                log.warning("command %s refused: %s", name, exc)
                return dump(error_reply("unauthorized", str(exc)))
            token = correlation_id.set(caller.correlation_id)  # every log line of this command
            caller_token = CALLER.set(caller)
            try:
                return await call_next(msg)
            except ValidationError:
                return dump(await _untyped(name, body, caller, store_of(), facts))
            finally:
                CALLER.reset(caller_token)
                correlation_id.reset(token)

    return EnvelopeCheck


async def _untyped(name: str, body: bytes, caller: Caller, store: EventStore,
                   facts: FactsSource | None) -> CommandReply:
    """The reply to a body the typed subscriber refused, as the dispatcher words it (access first, then pointers)."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return error_reply("bad-request", "command body is not JSON")
    return await dispatch(name, payload, caller, store, facts=facts)
