"""Progress of `seed-demo` on stderr (ops/progress.py: a bar on a terminal, plain lines elsewhere): commands done out
of those planned, the real rates (commands/s and stored events/s, the latter from the store's head, so it counts what
actually landed) and the ETA.

Why the store's head: a command stores zero (a repeat), one or several events, so only the store knows how many
events a second go in; one `head` read a second costs nothing next to thousands of appends."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Final

from commands.store.base import EventStore
from ops import progress

POLL_SECONDS: Final = 1.0


class Progress(progress.Progress):
    """Commands planned phase by phase, with the store's events/s beside them."""

    def __init__(self, store: EventStore, head: int, *, enabled: bool = True) -> None:
        super().__init__("seed-demo", "cmd", enabled=enabled)
        self.store, self.head_before, self.head_now = store, head, head

    async def _show_events(self) -> None:
        self.head_now = await self.store.head()
        stored = self.head_now - self.head_before
        self.annotate(f"{stored / max(self.elapsed, 1e-9):,.0f} events/s, {stored:,} events")

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            await self._show_events()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Progress]:
        watcher = asyncio.create_task(self._watch())
        try:
            yield self
            await self._show_events()  # the last word, however short the run
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.close()
