"""Handler replicas keep each other's cached aggregates current (commands/desk.py): after storing a commit, a
replica publishes it on `rewards.internal.committed` (core NATS, every replica hears it, no queue group), and each
other replica applies it to its cache when it is the next version.

Only an optimisation: a lost, late or unreadable message leaves a cache behind, and the store's version check
still refuses a decision made on it (the desk then reads the newer events). Without it, two replicas sharing the
promotions would find their caches stale on nearly every decision - measured: a version conflict per request.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from faststream.nats import NatsBroker, NatsRouter
from pydantic import ValidationError

from base.subjects import COMMITTED
from brokers.nats import publish_soon
from commands.desk import Desk
from domain.events import EVENT_TYPES, DomainEvent

log = logging.getLogger("ledger.handlers")


def encode(origin: str, stream: str, after_version: int, events: list[DomainEvent]) -> bytes:
    return json.dumps({"origin": origin, "stream": stream, "after": after_version,
                       "events": [{"type": e.type_name(), "data": e.to_data()} for e in events]}).encode()


def decode(body: Any) -> tuple[str, str, int, list[DomainEvent]]:
    """(origin, stream, version before, events) of an announcement, raw or decoded; ValueError for anything else."""
    try:
        doc = json.loads(body) if isinstance(body, bytes | str) else body
        events = [EVENT_TYPES[e["type"]].model_validate(e["data"]) for e in doc["events"]]
        return str(doc["origin"]), str(doc["stream"]), int(doc["after"]), events
    except (KeyError, TypeError, ValidationError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a commit announcement: {exc}") from exc


def desk_sync(broker: NatsBroker, desk: Desk) -> NatsRouter:
    """Announce this desk's commits and learn the other replicas'. Returns the router to include in the broker."""
    origin = uuid.uuid4().hex

    def announce(stream: str, after_version: int, events: list[DomainEvent]) -> None:
        publish_soon(broker, encode(origin, stream, after_version, events), COMMITTED, "commit announcement")

    desk.announce = announce
    router = NatsRouter()

    @router.subscriber(COMMITTED, include_in_schema=False)
    async def committed(body: dict[str, Any]) -> None:  # FastStream hands over the decoded JSON
        try:
            sender, stream, after_version, events = decode(body)
        except ValueError:
            log.warning("an unreadable commit announcement was ignored")
            return
        if sender != origin:
            desk.learn(stream, after_version, events)

    return router
