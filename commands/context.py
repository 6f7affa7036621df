"""What a handler gets: the store, the caller and ids of this command, and load/save of aggregates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from commands.messages import IN_PROCESS
from commands.store.base import AppendResult, EventStore, NewCommit
from domain.aggregate import Aggregate
from domain.events import Metadata

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Actor:
    """The caller as the gateway authenticated it (None for anonymous commands such as registration)."""

    user_id: str | None = None
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Caller:
    """Who sent a command, as far as the dispatcher can trust it: `via` names the path (messages.GATEWAY for a
    verified envelope, ACTIVITY_INGEST for a game server's report, IN_PROCESS for the CLIs and tests), and the
    actor and ids come from that path, never from a plain header."""

    command_id: str
    actor: Actor = field(default_factory=Actor)
    via: str = IN_PROCESS
    correlation_id: str | None = None


@dataclass
class CommandContext:
    store: EventStore
    command_id: str
    correlation_id: str | None = None
    actor: Actor = field(default_factory=Actor)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    appended: list[AppendResult] = field(default_factory=list)

    async def load(self, cls: type[A], aggregate_id: str) -> A:
        events = await self.store.read_stream(cls.stream_id(aggregate_id))
        agg = cls(aggregate_id)
        for recorded in events:
            agg.apply(recorded.event)
            agg.version = recorded.version
        return agg

    async def save(self, agg: Aggregate, claim: str | None = None) -> AppendResult | None:
        """Append the aggregate's new events as one commit; the commit id derives from the command id, so a retried
        command stores its events once."""
        events = agg.collect_events()
        if not events:
            return None
        commit_id = self.command_id if not self.appended else f"{self.command_id}:{len(self.appended)}"
        result = await self.store.append(NewCommit(
            agg.stream_id(agg.id), agg.version, events, commit_id=commit_id, claim=claim,
            metadata=Metadata(actor=self.actor.user_id, correlation_id=self.correlation_id,
                              causation_id=self.command_id)))
        agg.version = result.version
        self.appended.append(result)
        return result
