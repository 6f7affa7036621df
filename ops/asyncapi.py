"""The NATS contract as an AsyncAPI 3 document, generated from the command and event classes themselves so it cannot
drift: `python -m ops.asyncapi > docs/asyncapi.json` (a test checks the committed file is current)."""

from __future__ import annotations

import json
import sys
from typing import Any

from base.subjects import APPENDED, activity_subject, command_subject, event_subject
from commands.handlers import COMMAND_HANDLERS
from commands.messages import CommandReply
from commands.store import mapper  # noqa: F401  (imports every domain module, so every event type is registered)
from domain.activity_record import ActivityReport
from domain.events import EVENT_TYPES

ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["eventId", "streamId", "version", "position", "type", "schemaVersion", "occurredAt", "data"],
    "properties": {
        "eventId": {"type": "string", "description": "unique; also the Nats-Msg-Id header (de-duplication)"},
        "streamId": {"type": "string", "description": "<Aggregate>-<id>"},
        "version": {"type": "integer", "description": "1..n within the stream"},
        "position": {"type": "integer", "description": "global, gapless, in store order"},
        "type": {"type": "string"}, "schemaVersion": {"type": "integer"},
        "occurredAt": {"type": "string", "format": "date-time"},
        "actor": {"type": ["string", "null"]}, "correlationId": {"type": ["string", "null"]},
        "causationId": {"type": ["string", "null"], "description": "the command id"},
        "data": {"type": "object"},
    },
}


ENVELOPE_DOC = ("The gateway's signed command envelope (commands/envelope.py): binds command, command id, body hash, "
                "actor, caller, expiry (30 s) and correlation id. Without a valid one the reply is `unauthorized`.")


def build() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for command in sorted(COMMAND_HANDLERS, key=lambda c: c.subject_name()):
        name = command.subject_name()
        channels[f"cmd{name}"] = {
            "address": command_subject(name),
            "messages": {name: {"payload": command.model_json_schema(by_alias=True),
                                "headers": {"type": "object", "properties": {
                                    "Command-Id": {"type": "string"}, "X-Correlation-Id": {"type": "string"},
                                    "Command-Envelope": {"type": "string", "description": ENVELOPE_DOC}},
                                    "required": ["Command-Envelope"]}}},
        }
        operations[f"handle{name}"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/cmd{name}"},
            "summary": "request-reply in the handlers queue group",
            "reply": {"messages": [{"$ref": "#/components/messages/CommandReply"}]},
        }
    for type_name in sorted(EVENT_TYPES):
        cls = EVENT_TYPES[type_name]
        if not cls.AGGREGATE:
            continue
        schema = cls.model_json_schema(by_alias=True)
        for private in cls.PRIVATE_FIELDS:
            schema.get("properties", {}).pop(private, None)
            if private in schema.get("required", []):
                schema["required"].remove(private)
        channels[f"evt{type_name}"] = {
            "address": event_subject(cls.AGGREGATE, type_name),
            "messages": {type_name: {"payload": {**ENVELOPE, "properties": {**ENVELOPE["properties"], "data": schema}},
                                     "x-schema-version": cls.SCHEMA_VERSION}},
        }
        operations[f"publish{type_name}"] = {"action": "send", "channel": {"$ref": f"#/channels/evt{type_name}"},
                                             "summary": "JetStream, at least once, in store order"}
    kinds = "login|invite|purchase|checkin|quest_completed|level"
    channels["activity"] = {
        "address": activity_subject("{kind}"), "parameters": {"kind": {"description": kinds}},
        "description": "activity facts from game servers, the body of POST /activities (kind may be left out); "
                       "queue group of the handlers; a request gets the CommandReply, a duplicate id is ok",
        "messages": {"Activity": {"payload": ActivityReport.model_json_schema(by_alias=True)}}}
    channels["appended"] = {"address": APPENDED, "description": "internal nudge: a new store position (core NATS)"}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Reward Ledger messaging", "version": "1.0.0",
                 "description": "Commands are NATS request-reply; domain events are published to the JetStream "
                                "stream REWARDS_EVENTS with Nats-Msg-Id = eventId (de-duplicated, at least once)."},
        "channels": channels,
        "operations": operations,
        "components": {"messages": {"CommandReply": {"payload": CommandReply.model_json_schema(by_alias=True)}}},
    }


def render() -> str:
    return json.dumps(build(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
