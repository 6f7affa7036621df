"""The NATS contract as FastStream's own AsyncAPI 3 document, generated from the very routers the processes
subscribe and publish with (commands, activity reports, the event feed), so it is the wire and cannot drift.

FastStream 0.7 describes neither message headers nor replies, so two things are added to its document: the
`Command-Envelope` header every command message needs, and the `CommandReply` schema every request gets back."""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from faststream.specification.base import Specification

from base.subjects import COMMAND_PREFIX
from brokers.activity_ingest import activity_router
from brokers.command_router import command_router
from brokers.event_feed import event_feed_router
from commands.envelope import HEADER, TTL_SECONDS, EnvelopeVerifier
from commands.messages import CommandReply
from commands.store.base import EventStore

TITLE = "Reward Ledger messaging"
DESCRIPTION = ("Commands are NATS request-reply on `rewards.cmd.<Command>` (queue group of the handlers), each "
               "carrying the gateway's signed envelope; the reply is a `CommandReply`. Game servers publish activity "
               "facts on `rewards.activity.<kind>`. Domain events are published to the JetStream stream "
               "REWARDS_EVENTS on `rewards.evt.<Aggregate>.<EventType>` with Nats-Msg-Id = eventId.")
COMMAND_HEADERS: dict[str, Any] = {
    "type": "object", "required": [HEADER],
    "properties": {
        HEADER: {"type": "string", "description": "base64url(canonical JSON claims).base64url(Ed25519 signature): "
                 "command, command id, SHA-256 of the exact body bytes, actor, caller, issued-at, expiry "
                 f"({TTL_SECONDS} s), correlation id. Missing, forged, stale or for another body: `unauthorized`."},
        "Command-Id": {"type": "string", "description": "informational; the signed one is in the envelope"},
        "X-Correlation-Id": {"type": "string"},
    },
}


def _never() -> EventStore:
    raise RuntimeError("the documentation broker handles no messages")


def document_broker(queue: str) -> NatsBroker:
    """A broker that is never connected, carrying every router of the platform (for the document only)."""
    broker = NatsBroker(description="The deployment's NATS (NATS_URL), with JetStream; every part and game server "
                                    "connects as its own identity, allowed only its subjects (docs/threat-model.md).")
    broker.include_router(command_router(_never, EnvelopeVerifier([]), queue))
    broker.include_router(activity_router(_never, queue))
    broker.include_router(event_feed_router())
    return broker


def asyncapi_document(queue: str) -> Specification:
    spec: Any = AsyncAPI(document_broker(queue), title=TITLE, version="1.0.0", description=DESCRIPTION,
                         schema_version="3.0.0").to_specification()
    components = spec.components
    for key, message in components.messages.items():
        if key.startswith(f"{COMMAND_PREFIX}."):
            message.headers = COMMAND_HEADERS
    reply = CommandReply.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    components.schemas.update(reply.pop("$defs", {}))
    components.schemas["CommandReply"] = reply
    return spec  # type: ignore[no-any-return]
