"""The domain-event feed as FastStream publishers on `rewards.evt.<Aggregate>.<EventType>`: the relay's broker and
the AsyncAPI document carry them, so the document names every event subject with its payload schema (the envelope
of `RecordedEvent.envelope()`, `data` without the type's private fields)."""

from __future__ import annotations

from functools import cache
from typing import Any

from faststream.nats import NatsRouter
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.alias_generators import to_camel

from base.subjects import EVENT_PREFIX
from commands.store import mapper  # noqa: F401  (imports every domain module, so every event type is registered)
from domain.events import EVENT_TYPES, DomainEvent

FEED_DOC = ("JetStream, at least once, in store order; `Nats-Msg-Id` = eventId (de-duplicated within the stream's "
            "window), `Ledger-Position` = position, `X-Correlation-Id` = correlationId (when the event has one: the "
            "request that caused it; a consumer logs under it, docs/logging.md).")


class PublishedEvent(BaseModel):
    """One stored event as the relay publishes it."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    event_id: str = Field(description="unique; also the Nats-Msg-Id header (de-duplication)")
    stream_id: str = Field(description="<Aggregate>-<id>")
    version: int = Field(description="1..n within the stream")
    position: int = Field(description="global, gapless, in store order")
    type: str
    schema_version: int
    occurred_at: str = Field(description="ISO 8601, UTC")
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = Field(None, description="the command id")
    data: dict[str, Any]


@cache
def published_model(cls: type[DomainEvent]) -> type[PublishedEvent]:
    """`PublishedEvent` whose `data` is `cls` less its private fields."""
    fields: dict[str, Any] = {name: (info.annotation, info) for name, info in cls.model_fields.items()
                              if (info.alias or name) not in cls.PRIVATE_FIELDS}
    data = create_model(f"{cls.__name__}Data", __config__=ConfigDict(populate_by_name=True), **fields)
    return create_model(f"{cls.__name__}Published", __base__=PublishedEvent, data=(data, ...))


def event_feed_router() -> NatsRouter:
    router = NatsRouter(prefix=f"{EVENT_PREFIX}.")
    for type_name in sorted(EVENT_TYPES):
        cls = EVENT_TYPES[type_name]
        if cls.AGGREGATE and not type_name.startswith("_"):  # a shared private base is no event
            router.publisher(f"{cls.AGGREGATE}.{type_name}", schema=published_model(cls),
                             title=f"{EVENT_PREFIX}.{cls.AGGREGATE}.{type_name}",
                             description=f"{(cls.__doc__ or '').strip()}\n\n{FEED_DOC}")
    return router
