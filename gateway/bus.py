"""The gateway's side of the command bus: send a command over NATS request-reply, map the reply to HTTP.

Every write goes through `send` (and `gateway/answers.py:written`, which adds `Ledger-Position`), so handler errors,
time-outs and missing handlers map the same way everywhere. Every command carries an envelope signed with the
platform key (commands/envelope.py) naming the authenticated caller; the handlers believe nothing else about who sent
it."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

from faststream.nats import NatsBroker
from litestar import Request
from litestar.serialization import encode_json
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from base.logging import correlation_id
from base.metrics import COMMAND_LATENCY, NATS_ERRORS
from base.subjects import command_subject
from commands.context import Actor
from commands.envelope import HEADER as ENVELOPE_HEADER
from commands.envelope import EnvelopeSigner
from commands.messages import CommandReply
from gateway.problems import AppError, Unavailable

POSITION_HEADER = "Ledger-Position"


def position_headers(position: int | None) -> dict[str, str]:
    """`Ledger-Position` of a write's answer (what a client passes back as `?minPosition=`)."""
    return {POSITION_HEADER: str(position)} if position is not None else {}


def principal_of(request: Request[Any, Any, Any]) -> Any:
    return request.scope.get("state", {}).get("principal")


def command_id_for(request: Request[Any, Any, Any], name: str) -> str:
    """Derived from the Idempotency-Key when there is one, so a retried request is the same command."""
    seed = request.scope.get("state", {}).get("idempotency_seed")
    if seed:
        return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()[:32]
    return uuid.uuid4().hex


def actor_of(principal: Any) -> Actor:
    return Actor(principal.user_id, frozenset(principal.roles)) if principal is not None else Actor()


class CommandBus:
    def __init__(self, broker: NatsBroker, timeout: float, signer: EnvelopeSigner | None = None) -> None:
        """`signer` defaults to one with the platform key (AuthSettings' key file, as the access tokens')."""
        self.broker, self.timeout = broker, timeout
        self.signer = signer or EnvelopeSigner.from_settings()

    async def send(self, request: Request[Any, Any, Any], name: str, payload: dict[str, Any]) -> CommandReply:
        """Returns the reply of a successful command; raises AppError for a refused one or an unavailable bus."""
        body = encode_json(payload)  # signed as sent: the envelope binds these exact bytes
        command_id, correlation = command_id_for(request, name), correlation_id.get() or None
        envelope = self.signer.sign(name, body, command_id, actor_of(principal_of(request)), correlation)
        headers = {ENVELOPE_HEADER: envelope, "Command-Id": command_id, "X-Correlation-Id": correlation or ""}
        started, outcome = time.perf_counter(), "ok"
        try:
            msg = await self.broker.request(body, command_subject(name), headers=headers, timeout=self.timeout)
            reply = CommandReply.model_validate(await msg.decode())
            outcome = "ok" if reply.ok or reply.error is None else reply.error.code
        except (TimeoutError, NatsTimeout, NoRespondersError) as exc:
            outcome = "timeout" if not isinstance(exc, NoRespondersError) else "no-responders"
            NATS_ERRORS.labels("gateway", outcome).inc()
            raise Unavailable("the command service did not answer in time; retry", headers={"Retry-After": "1"},
                              code="command-timeout") from exc
        finally:
            COMMAND_LATENCY.labels(name, outcome, "gateway").observe(time.perf_counter() - started)
        if not reply.ok:
            error = reply.error
            assert error is not None
            raise AppError.for_code(error.code, error.detail, error.errors)
        return reply
