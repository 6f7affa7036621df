"""Deciding on a busy aggregate without contention: one desk per handler process and store.

Every command on a promotion (and every reward request is one) is a *job* handed to the desk: a synchronous
decision over the aggregate plus the commit that records it. Per stream the desk runs one batch at a time: the jobs
that arrived meanwhile are decided one after another on a draft of the cached aggregate (each seeing the ones
before it), and their commits - one per command, with that command's id, claim and metadata - are appended
together, so the store's group commit writes them in one round trip. A hot promotion therefore costs one store
write per batch, not one per request, and requests on it never race each other inside a process.

The cache holds each aggregate at a version it was stored at; only stored events are applied to it, so a decision
that is refused or a commit that loses costs nothing to undo. Handler replicas share streams through the store's
version check: a commit that finds the stream moved on (another replica wrote) makes the desk read just the newer
events and decide that job again, and a refusal decided on cached state is confirmed on fresh state before it is
answered (another replica may have attached the reward a moment ago). To keep that rare, a desk announces what
it stored (`announce`, published by the handler process to the other replicas: brokers/desk_sync.py) and applies
what the others announce (`learn`) to its cache when it is the next version; otherwise it only notes the stream as
behind, and reads the newer events before deciding on it again.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

from commands.store.base import AppendResult, ConcurrencyError, EventStore, NewCommit
from domain.aggregate import Aggregate
from domain.errors import DomainError
from domain.events import DomainEvent, Metadata

#: Jobs decided together at most; more wait for the next batch.
MAX_BATCH: Final = 256
#: Rounds of "read what changed, decide again" a job gets before its command is answered `conflict`.
MAX_ROUNDS: Final = 50
CACHE_SIZE: Final = 512


A = TypeVar("A", bound=Aggregate)


@dataclass(eq=False)
class Job(Generic[A]):
    decision: Callable[[A], Any]
    commit_id: str
    metadata: Metadata
    claim: str | None = None
    #: The aggregate is being created under an id nobody has used (derived from the command id): decide on an empty
    #: one without reading the stream. A retried command finds its commit stored and is decided again on the stream.
    new: bool = False
    future: asyncio.Future[tuple[Any, AppendResult | None]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


#: What a desk tells the other replicas after storing: (stream, the version before, the events stored after it).
Announce = Callable[[str, int, list[DomainEvent]], None]


class Desk:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._cache: OrderedDict[str, Aggregate] = OrderedDict()
        self._queues: dict[str, list[Job[Any]]] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._behind: set[str] = set()  # streams another replica wrote that the cache could not follow
        self.announce: Announce | None = None

    def learn(self, stream: str, after_version: int, events: list[DomainEvent]) -> None:
        """Another replica stored `events` on `stream` after `after_version`: apply them to the cached aggregate when
        they are its next events and no batch of this desk is deciding on it; else note the stream as behind."""
        self.store.note_end(stream, after_version + len(events))
        agg = self._cache.get(stream)
        if agg is None or agg.version >= after_version + len(events):
            return
        if agg.version != after_version or stream in self._running:
            self._behind.add(stream)
            return
        try:
            for event in events:
                agg.apply(event)
        except Exception:  # a fold that fails here is the store's to settle: reload it
            self._cache.pop(stream, None)
            return
        agg.version = after_version + len(events)

    async def decide(self, cls: type[A], aggregate_id: str, job: Job[A]) -> tuple[Any, AppendResult | None]:
        """Run `job.decision` on the aggregate as stored (a draft of it) and append what it recorded; returns the
        decision's result and the append's (None when it recorded nothing). A DomainError it raises is re-raised
        here once fresh state has confirmed it."""
        stream = cls.stream_id(aggregate_id)
        self._queues.setdefault(stream, []).append(job)
        if stream not in self._running:
            self._running[stream] = asyncio.create_task(self._drain(cls, aggregate_id, stream))
        return await job.future

    async def current(self, cls: type[A], aggregate_id: str) -> A:
        """The aggregate as last stored (read-only use: answers built from it)."""
        return await self._fresh(cls, aggregate_id, cls.stream_id(aggregate_id), refresh=False)

    async def _drain(self, cls: type[A], aggregate_id: str, stream: str) -> None:
        try:
            while queue := self._queues.get(stream):
                jobs, self._queues[stream] = queue[:MAX_BATCH], queue[MAX_BATCH:]
                try:
                    await self._decide_batch(cls, aggregate_id, stream, jobs)
                except BaseException as exc:  # the store is down: these callers get the error, later ones retry
                    self._cache.pop(stream, None)
                    for job in jobs:
                        _settle(job, error=exc)
                    if not isinstance(exc, Exception):
                        raise
        finally:
            self._running.pop(stream, None)
            if not self._queues.get(stream):
                self._queues.pop(stream, None)

    async def _decide_batch(self, cls: type[A], aggregate_id: str, stream: str, jobs: list[Job[A]]) -> None:
        refresh = stream in self._behind
        assume_new = all(job.new for job in jobs) and stream not in self._cache
        for _ in range(MAX_ROUNDS):
            if assume_new and not refresh:
                base: A = cls(aggregate_id)
            else:
                base = await self._fresh(cls, aggregate_id, stream, refresh)
            draft, version = base.draft(), base.version
            previous: NewCommit | None = None
            planned: list[tuple[Job[A], Any, NewCommit | None]] = []
            refused: list[tuple[Job[A], DomainError]] = []
            for job in jobs:
                try:
                    result = job.decision(draft)
                except DomainError as exc:
                    if draft.collect_events():  # a decision must refuse before it records; this one did not
                        raise RuntimeError("a decision recorded events and then refused") from exc
                    refused.append((job, exc))
                    continue
                events = draft.collect_events()
                commit = None
                if events:  # decided on top of the batch's previous commit: stored only if that one was
                    commit = NewCommit(stream, version, events, job.commit_id, job.claim, job.metadata,
                                       after=previous.append_id if previous else None)
                    previous = commit
                version += len(events)
                planned.append((job, result, commit))
            if refused and not refresh:
                refresh = True  # confirm the refusals on fresh state before answering them
                continue
            for job, refusal in refused:
                _settle(job, error=refusal)
            appended = await asyncio.gather(*(self.store.append(c) for _, _, c in planned if c is not None),
                                            return_exceptions=True)
            results = iter(appended)
            again: list[Job[A]] = []
            in_order = True  # the cache takes a commit's events only while every commit before it was stored
            for job, result, commit in planned:
                if commit is None:
                    if in_order:
                        _settle(job, (result, None))
                    else:
                        again.append(job)
                    continue
                outcome = next(results)
                if isinstance(outcome, AppendResult) and not outcome.duplicate and in_order:
                    for event in commit.events:
                        base.apply(event)
                    base.version = outcome.version
                    if self.announce is not None:
                        self.announce(stream, commit.expected_version, list(commit.events))
                    _settle(job, (result, outcome))
                    continue
                if isinstance(outcome, BaseException) and not isinstance(outcome, ConcurrencyError | DomainError):
                    raise outcome
                in_order = False  # lost to another writer, or stored already (a retried command): decide again
                again.append(job)
            self._remember(stream, base)
            if not again:
                return
            jobs, refresh = again, True
        for job in jobs:
            _settle(job, error=ConcurrencyError(stream, -1))

    async def _fresh(self, cls: type[A], aggregate_id: str, stream: str, refresh: bool) -> A:
        """The cached aggregate (loaded the first time), caught up with the store when `refresh`."""
        agg = self._cache.get(stream)
        if agg is None:
            agg, refresh = cls(aggregate_id), True
        if refresh:
            self._behind.discard(stream)
            agg.catch_up(await self.store.read_stream(stream, after_version=agg.version))
        self._remember(stream, agg)
        return agg  # type: ignore[return-value]

    def _remember(self, stream: str, agg: Aggregate) -> None:
        """Cache `agg`, unless it does not exist yet: ids nobody created (a request for an unknown event) would
        push out the promotions in use, and another replica may create it any moment."""
        if not agg.version:
            self._cache.pop(stream, None)
            return
        self._cache[stream] = agg
        self._cache.move_to_end(stream)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _settle(job: Job[Any], answer: tuple[Any, AppendResult | None] | None = None,
            error: BaseException | None = None) -> None:
    """Answer a job's caller, unless it has stopped waiting (a cancelled command)."""
    if job.future.done():
        return
    if error is not None:
        job.future.set_exception(error)
    else:
        job.future.set_result(answer)  # type: ignore[arg-type]


_desks: weakref.WeakKeyDictionary[EventStore, Desk] = weakref.WeakKeyDictionary()


def desk_of(store: EventStore) -> Desk:
    """The desk of `store` in this process (one per store, so its cache follows only that store's writes)."""
    desk = _desks.get(store)
    if desk is None:
        desk = _desks[store] = Desk(store)
    return desk
