"""In-memory recorder with the same contract as the Mongo one: for unit tests of handlers and folds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from commands.store.base import Appended, AppendResult, ClaimTaken, ConcurrencyError, NewCommit, new_event_ids
from commands.store.mapper import commit_to_doc, commit_to_events, event_to_doc, last_version
from domain.events import RecordedEvent


def result_of(doc: dict[str, Any], duplicate: bool) -> AppendResult:
    return AppendResult(doc["stream"], last_version(doc), doc["last"],
                        tuple(e["id"] for e in doc["events"]), duplicate)


class MemoryEventStore:
    def __init__(self) -> None:
        self._commits: list[dict[str, Any]] = []
        self._by_id: dict[str, dict[str, Any]] = {}
        self._claims: set[str] = set()
        self._streams: dict[str, list[dict[str, Any]]] = {}
        self._lock = asyncio.Lock()
        self._appended = Appended()

    async def append(self, commit: NewCommit) -> AppendResult:
        async with self._lock:
            if commit.commit_id in self._by_id:
                return result_of(self._by_id[commit.commit_id], duplicate=True)
            stream = self._streams.get(commit.stream_id, [])
            current = last_version(stream[-1]) if stream else 0
            if current != commit.expected_version or (commit.after and commit.after not in self._appended):
                raise ConcurrencyError(commit.stream_id, commit.expected_version)
            if commit.claim and commit.claim in self._claims:
                raise ClaimTaken(commit.claim)
            events = [event_to_doc(e, i) for e, i in zip(commit.events, new_event_ids(len(commit.events)),
                                                          strict=True)]
            position = self._commits[-1]["last"] + 1 if self._commits else 1
            meta = commit.metadata
            doc = commit_to_doc(commit.stream_id, commit.expected_version + 1, position, events, commit.commit_id,
                                commit.claim, meta.actor, meta.correlation_id, meta.causation_id,
                                datetime.now(UTC))
            self._commits.append(doc)
            self._by_id[commit.commit_id] = doc
            self._claims.add(doc["claim"])
            self._streams.setdefault(commit.stream_id, []).append(doc)
            self._appended.add(commit.append_id)
            return result_of(doc, duplicate=False)

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        return [e for doc in self._streams.get(stream_id, []) if doc["version"] > after_version
                for e in commit_to_events(doc)]

    async def read_all(self, from_position: int, limit: int = 1000) -> list[RecordedEvent]:
        out: list[RecordedEvent] = []
        for doc in self._commits:
            if doc["last"] < from_position:
                continue
            out.extend(e for e in commit_to_events(doc, lenient=True) if e.position >= from_position)
            if len(out) >= limit:
                break
        return out

    async def head(self) -> int:
        return self._commits[-1]["last"] if self._commits else 0

    async def stream_of_claim(self, claim: str) -> str | None:
        return next((str(doc["stream"]) for doc in self._commits if doc["claim"] == claim), None)

    def note_end(self, stream_id: str, version: int) -> None:
        """Nothing to save: this store sees every commit."""

    async def claimed(self, claim: str) -> list[RecordedEvent]:
        return next((commit_to_events(doc) for doc in self._commits if doc["claim"] == claim), [])
