"""What every event-store recorder promises.

A *commit* is one command's events on one stream, stored as one document, so a batch is all-or-nothing without
transactions. Positions are global, gapless and strictly increasing: commit k+1 starts where commit k ended, and a
unique index on `position` makes two writers that raced for the same slot retry. A writer only takes slot N after
it has seen slot N-1 committed, so a reader that has seen N never later finds a new event below N.

A commit may carry one *claim* (e.g. `email:a@b.c`): a unique string across the whole store, which is how
uniqueness spanning many streams (emails, one request per user and reward) is kept without reading a read model.
A commit without one claims `commit:<commit id>` (`commit_claim`), so a command's commit can be found by its id.

A commit may be decided on top of another one appended just before it and not yet stored (the desk's batches,
commands/desk.py): `after` names that one's `append_id`, and the commit is refused unless that very append was
stored by this store first. Its expected version alone cannot say so: when the one before it loses to another
writer whose commit happens to end at the same version, the version matches a state it was not decided on.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from domain.errors import Conflict
from domain.events import DomainEvent, Metadata, RecordedEvent


class ConcurrencyError(Exception):
    """The stream moved on since it was loaded (expected version is stale); the handler may reload and retry."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} is past version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class ClaimTaken(Conflict):
    def __init__(self, claim: str) -> None:
        super().__init__(f"{claim.split(':', 1)[0]} already taken")
        self.claim = claim


@dataclass(frozen=True)
class NewCommit:
    """Events to append to one stream at `expected_version` (0 = the stream must be new)."""

    stream_id: str
    expected_version: int
    events: Sequence[DomainEvent]
    commit_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    claim: str | None = None
    metadata: Metadata = field(default_factory=Metadata)
    #: This append attempt (a retried command keeps its commit id but not this).
    append_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: The `append_id` of the commit this one was decided on top of (see the module doc).
    after: str | None = None


@dataclass(frozen=True)
class AppendResult:
    stream_id: str
    version: int
    position: int
    event_ids: tuple[str, ...]
    duplicate: bool = False


class EventStore(Protocol):
    async def append(self, commit: NewCommit) -> AppendResult:
        """Store all events of `commit` or none. Raises ConcurrencyError or ClaimTaken. Appending a commit whose
        `commit_id` is already stored returns the first result with `duplicate=True` (idempotent retries)."""
        ...

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        """The stream's events past `after_version` (a version some commit ended at: a cached aggregate's), in order."""
        ...

    async def read_all(self, from_position: int, limit: int = 1000) -> list[RecordedEvent]:
        """Events with position >= from_position in order; at most about `limit` (whole commits)."""
        ...

    async def head(self) -> int:
        """The highest stored position, 0 when empty."""
        ...

    async def stream_of_claim(self, claim: str) -> str | None:
        """The stream whose commit holds `claim` (e.g. the User stream of an email), None if unclaimed. Reads the
        store itself, so it sees a claim the moment its commit is stored (login right after registration)."""
        ...

    def note_end(self, stream_id: str, version: int) -> None:
        """A commit of `stream_id` is known to end at `version` (another handler replica announced it): an append
        expecting that version then needs no query to find it is a commit's end."""
        ...

    async def claimed(self, claim: str) -> list[RecordedEvent]:
        """The events of the commit that holds `claim` (e.g. a reward request's first commit), [] if unclaimed;
        read from the store itself, like `stream_of_claim`."""
        ...


def commit_claim(commit_id: str) -> str:
    """The claim of a commit that has no claim of its own."""
    return f"commit:{commit_id}"


class Appended:
    """The append ids this store stored lately (bounded): what a commit's `after` is checked against."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self._ids: dict[str, None] = {}

    def add(self, append_id: str) -> None:
        if len(self._ids) >= self.LIMIT:
            self._ids.pop(next(iter(self._ids)))
        self._ids[append_id] = None

    def __contains__(self, append_id: object) -> bool:
        return append_id in self._ids


def new_event_ids(count: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(count)]
