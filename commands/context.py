"""What a handler gets: the store, the caller and ids of this command, and load/save of aggregates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from commands.desk import Job, desk_of
from commands.facts import FactsSource, ScanFacts
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
    causation_id: str | None = None  # what caused the command when it is not a request: a policy's trigger event


@dataclass
class CommandContext:
    store: EventStore
    command_id: str
    correlation_id: str | None = None
    actor: Actor = field(default_factory=Actor)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    appended: list[AppendResult] = field(default_factory=list)
    #: Where users' activity facts are read (commands/facts.py); the handler processes get the read model's.
    facts_source: FactsSource | None = None

    @property
    def facts(self) -> FactsSource:
        return self.facts_source or ScanFacts(self.store)

    async def load(self, cls: type[A], aggregate_id: str) -> A:
        agg = cls(aggregate_id)
        agg.catch_up(await self.store.read_stream(cls.stream_id(aggregate_id)))
        return agg

    async def save(self, agg: Aggregate, claim: str | None = None) -> AppendResult | None:
        """Append the aggregate's new events as one commit; the commit id derives from the command id, so a retried
        command stores its events once."""
        events = agg.collect_events()
        if not events:
            return None
        result = await self.store.append(NewCommit(agg.stream_id(agg.id), agg.version, events,
                                                   commit_id=self._commit_id(), claim=claim, metadata=self._metadata()))
        agg.version = result.version
        self.appended.append(result)
        return result

    async def decide(self, cls: type[A], aggregate_id: str, decision: Callable[[A], Any],
                     claim: str | None = None, new: bool = False) -> Any:
        """Run `decision` on the aggregate through this process's desk (commands/desk.py): serialised with every
        other decision on that stream, batched with them into one store write. `decision` must raise before it
        records anything; it returns the command's answer, computed from the aggregate it changed. `new`: the id is
        fresh (derived from this command's id), so the desk skips the stream read a creation would otherwise cost."""
        job = Job(decision, self._commit_id(), self._metadata(), claim, new)
        result, appended = await desk_of(self.store).decide(cls, aggregate_id, job)
        if appended is not None:
            self.appended.append(appended)
        return result

    async def desk_current(self, cls: type[A], aggregate_id: str) -> A:
        """The aggregate as the desk last stored it (to answer from, or to check before reading elsewhere)."""
        return await desk_of(self.store).current(cls, aggregate_id)

    def _commit_id(self) -> str:
        return self.command_id if not self.appended else f"{self.command_id}:{len(self.appended)}"

    def _metadata(self) -> Metadata:
        return Metadata(actor=self.actor.user_id, correlation_id=self.correlation_id, causation_id=self.command_id)
