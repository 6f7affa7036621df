"""The NATS contract as FastStream's own AsyncAPI 3 document, generated from the very routers the processes
subscribe and publish with (commands, activity reports, the event feed), so it is the wire and cannot drift.

FastStream 0.7 describes neither message headers nor replies, so two things are added to its document: the
`Command-Envelope` header every command message needs, and the `CommandReply` schema every request gets back. The
request events' two free-form payload fields get their shapes too: `RewardGranted.reward` (the typed reward a game
server applies) and `RewardRequested.evaluation`."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from faststream.specification.base import Specification
from pydantic import BaseModel, Field, TypeAdapter, create_model

from base.subjects import COMMAND_PREFIX, event_subject
from brokers.activity_ingest import activity_router
from brokers.command_router import command_router
from brokers.event_feed import event_feed_router
from commands.envelope import HEADER, TTL_SECONDS, EnvelopeVerifier
from commands.messages import CommandReply
from commands.store.base import EventStore
from domain.reward import SPECS

TITLE = "Reward Ledger messaging"
DESCRIPTION = ("Commands are NATS request-reply on `rewards.cmd.<Command>` (queue group of the handlers), each "
               "carrying the gateway's signed envelope; the reply is a `CommandReply`. Game servers publish activity "
               "facts on `rewards.activity.<kind>`. Domain events are published to the JetStream stream "
               "REWARDS_EVENTS on `rewards.evt.<Aggregate>.<EventType>` with Nats-Msg-Id = eventId.")
REF = "#/components/schemas/{model}"
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


class LeafCheckResult(BaseModel):
    """One leaf of a rule, `required` its arguments with defaults filled in, `seen` the fact compared with them."""

    kind: str
    required: dict[str, Any]
    seen: int | bool
    passed: bool


class CombinatorCheckResult(BaseModel):
    op: Literal["all", "any", "not"]
    passed: bool
    children: list[LeafCheckResult | CombinatorCheckResult]


class RequestEvaluation(BaseModel):
    """`RewardRequested.evaluation` (domain/evaluation.py `Evaluation.to_json`): the decision's facts and why."""

    eligible: bool
    facts: dict[str, int | list[str]] = Field(description="counters by name; `quest_completed`: quest ids")
    explanation: LeafCheckResult | CombinatorCheckResult | None = Field(description="null: no rule, always eligible")


def _granted(spec: type[BaseModel]) -> type[BaseModel]:
    return create_model(f"Granted{spec.__name__}", __base__=spec, id=(str, Field(description="the reward's id")))


#: `RewardGranted.reward`: the catalogue reward as attached, `{id, type, name, ...type fields}` by `type`.
GrantedReward: Any = Annotated[Union[tuple(_granted(spec) for spec in SPECS.values())],  # noqa: UP007
                               Field(discriminator="type")]
#: Event payload fields that are free-form dicts in the domain model, typed in the document: (schema, field).
TYPED_FIELDS: dict[tuple[str, str], tuple[str, Any]] = {
    ("RewardGrantedData", "reward"): ("GrantedReward", GrantedReward),
    ("RewardRequestedData", "evaluation"): ("RequestEvaluation", RequestEvaluation),
}
GRANT_CONSUMER_DOC = ("\n\nA game server reads this subject through a durable pull consumer (the `game-server` "
                      "identity) and applies each grant once, keyed by `eventId`: see brokers/grant_consumer.py, "
                      "run as `reward-ledger grant-consumer`.")


def _type_payload_fields(spec: Any) -> None:
    """Replace the free-form `reward` and `evaluation` objects of the request events' payloads by their shapes."""
    schemas = spec.components.schemas
    for (data, field), (name, shape) in TYPED_FIELDS.items():
        schema = TypeAdapter(shape).json_schema(mode="serialization", by_alias=True, ref_template=REF)
        for key, definition in schema.pop("$defs", {}).items():
            if key.startswith("Granted"):  # a granted reward carries every field, defaults included
                definition["required"] = list(definition["properties"])
            schemas[key] = definition
        schemas[name] = schema
        description = schemas[data]["properties"][field].get("description")
        schemas[data]["properties"][field] = {"$ref": REF.format(model=name),
                                              **({"description": description} if description else {})}
    granted = spec.channels[event_subject("RewardRequest", "RewardGranted")]
    granted.description = (granted.description or "") + GRANT_CONSUMER_DOC


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
    reply = CommandReply.model_json_schema(by_alias=True, ref_template=REF)
    components.schemas.update(reply.pop("$defs", {}))
    components.schemas["CommandReply"] = reply
    _type_payload_fields(spec)
    return spec  # type: ignore[no-any-return]
