"""Turn one command message into a reply: check who sent it, validate, run the handler (reloading on a version
race), map errors.

Kept free of NATS so it is tested directly and reused in-process (CLIs, tests). The caller arrives typed
(`Caller`): over NATS from a verified envelope (brokers/command_router.py), in-process as the CLI constructs it;
never from a plain header. A handler that raises something unexpected is logged once, with the command name and
correlation id, and the caller gets a typed `unavailable` reply instead of waiting for a time-out.

Every command, however it arrived (NATS, a policy, a CLI), passes here once, so here is its one log line: type,
outcome, stream and position appended, duration and the ids that link it to the request and its events
(docs/logging.md)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import ValidationError

from base.logging import correlation_id
from base.metrics import COMMAND_LATENCY
from commands.context import Caller, CommandContext
from commands.facts import FactsSource
from commands.handlers import COMMAND_HANDLERS, Handler
from commands.messages import COMMANDS, IN_PROCESS, Command, CommandReply, ErrorBody
from commands.store.base import ConcurrencyError, EventStore
from domain.clock import now_ms
from domain.errors import DomainError, FieldError, field_errors

log = logging.getLogger("ledger.handlers")
commands_log = structlog.get_logger("ledger.handlers.commands")
MAX_ATTEMPTS = 5


def error_reply(code: str, detail: str, errors: list[FieldError] | None = None) -> CommandReply:
    return CommandReply(ok=False, error=ErrorBody(
        code=code, detail=detail, errors=[e.to_json() for e in errors or []]))


async def dispatch(name: str, payload: Any, caller: Caller, store: EventStore,
                   handlers: Mapping[type[Command], Handler] = COMMAND_HANDLERS,
                   facts: FactsSource | None = None) -> CommandReply:
    """`handlers` is the NATS-facing map unless a caller in-process (the admin CLI) brings its own; `facts` is
    where reward requests read users' facts (default: a scan of the store, for in-process callers)."""
    started, outcome, reply = time.perf_counter(), "error", None
    token = correlation_id.set(caller.correlation_id)  # every line of this command, also in-process (policies)
    try:
        reply = await _dispatch(name, payload, caller, store, handlers, facts)
        outcome = "ok" if reply.ok else (reply.error.code if reply.error else "error")
        return reply
    except Exception:
        log.exception("command %s (id %s, correlation id %s) failed unexpectedly", name, caller.command_id,
                      caller.correlation_id)
        reply = error_reply("unavailable", f"the command failed unexpectedly; it was logged with correlation id "
                                           f"{caller.correlation_id or '-'} (command id {caller.command_id})")
        return reply
    finally:
        seconds = time.perf_counter() - started
        COMMAND_LATENCY.labels(name, outcome, "handler").observe(seconds)
        _log_command(name, caller, reply, seconds, unexpected=outcome == "error")
        correlation_id.reset(token)


def _log_command(name: str, caller: Caller, reply: CommandReply | None, seconds: float, unexpected: bool) -> None:
    """One line per command: `outcome` is `ok` or the reply's error code. `position` is the last event appended
    (null when the command appended nothing: the reply's position is then only the store's head). The CLIs' own
    commands (IN_PROCESS) at DEBUG: seed-demo sends hundreds of thousands and reports its progress itself."""
    fields: dict[str, Any] = {"outcome": "error", "streamId": None, "version": None, "position": None}
    if reply is not None and reply.ok:
        fields["outcome"] = "ok"
        if reply.stream_id is not None:
            fields.update(streamId=reply.stream_id, version=reply.version, position=reply.position)
    elif reply is not None and reply.error is not None:
        fields["outcome"] = reply.error.code
    level = logging.WARNING if unexpected else logging.DEBUG if caller.via == IN_PROCESS else logging.INFO
    commands_log.log(level, "command", command=name, **fields,
                     durationMs=round(seconds * 1000, 2), commandId=caller.command_id,
                     causationId=caller.causation_id, actor=caller.actor.user_id, via=caller.via)


async def _dispatch(name: str, payload: Any, caller: Caller, store: EventStore,
                    handlers: Mapping[type[Command], Handler], facts: FactsSource | None) -> CommandReply:
    cls = COMMANDS.get(name)
    if cls is None or cls not in handlers:
        return error_reply("bad-request", f"unknown command {name}")
    if not caller.command_id:
        return error_reply("bad-request", "the command id is missing")
    if refusal := cls.ACCESS.refusal(caller.via, caller.actor.user_id, caller.actor.roles):
        return error_reply(*refusal)
    try:
        command = cls.model_validate(payload)
    except ValidationError as exc:
        return error_reply("invalid-input", "the command is not valid", field_errors(exc))
    for _ in range(MAX_ATTEMPTS):
        ctx = CommandContext(store, caller.command_id, caller.correlation_id, caller.actor, now_ms,
                             facts_source=facts)
        try:
            result = await handlers[cls](command, ctx)
        except ConcurrencyError:
            continue  # another command changed the stream first: reload and decide again
        except DomainError as exc:
            return error_reply(exc.code, exc.detail, exc.errors)
        last = ctx.appended[-1] if ctx.appended else None
        position = last.position if last else await store.head()
        return CommandReply(ok=True, stream_id=last.stream_id if last else None,
                            version=last.version if last else None, position=position, result=result)
    return error_reply("conflict", "the resource changed concurrently too often; try again")
