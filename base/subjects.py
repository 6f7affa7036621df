"""NATS subject names, in one place: the contract with handlers, relay and downstream subscribers."""

from __future__ import annotations

COMMAND_PREFIX = "rewards.cmd"
EVENT_PREFIX = "rewards.evt"
ACTIVITY_PREFIX = "rewards.activity"
#: Core-NATS nudge sent after every append, so projectors and the relay poll at once instead of on a timer.
APPENDED = "rewards.internal.appended"
#: Core-NATS, handler replicas only: the commits a replica's desk stored, so the others keep their cached aggregates
#: current without reading the store (commands/desk.py, brokers/desk_sync.py).
COMMITTED = "rewards.internal.committed"


def command_subject(command: str) -> str:
    return f"{COMMAND_PREFIX}.{command}"


def event_subject(aggregate: str, event_type: str) -> str:
    return f"{EVENT_PREFIX}.{aggregate}.{event_type}"


def activity_subject(kind: str) -> str:
    return f"{ACTIVITY_PREFIX}.{kind}"
