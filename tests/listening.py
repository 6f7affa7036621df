"""A pymongo command listener for tests that count what a client sends the store (reads of the event log, pointer
writes), on the wire of the real server."""

from __future__ import annotations

from typing import Any

from pymongo.monitoring import CommandFailedEvent, CommandListener, CommandStartedEvent, CommandSucceededEvent

from commands.store.mongo import COMMITS
from projections.pointers import POINTERS


class Commands(CommandListener):
    """Every command the client sends, as (name, collection, command document)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def started(self, event: CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        self.sent.append((event.command_name, collection if isinstance(collection, str) else "", event.command))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass

    def event_reads(self) -> list[dict[str, Any]]:
        """`read_all`s: finds on the commits by position (`head` finds the last one without a filter)."""
        return [c for name, coll, c in self.sent if name == "find" and coll == COMMITS and c.get("filter")]

    def pointer_writes(self) -> list[dict[str, Any]]:
        return [c for name, coll, c in self.sent if coll == POINTERS and name in {"update", "insert", "delete"}]
