"""Progress of `seed-demo` on stderr: commands done out of those planned, the real rates (commands/s and stored
events/s, the latter from the store's head, so it counts what actually landed) and the ETA.

Why the store's head: a command stores zero (a repeat), one or several events, so only the store knows how many
events a second go in; one `head` read a second costs nothing next to thousands of appends."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from typing import Final

from tqdm import tqdm

from commands.store.base import EventStore

POLL_SECONDS: Final = 1.0


class Progress:
    """A tqdm bar whose total grows as each phase plans its commands."""

    def __init__(self, store: EventStore, head: int, *, enabled: bool = True) -> None:
        self.store, self.head_before, self.head_now = store, head, head
        self.started = time.perf_counter()
        self.bar = tqdm(total=0, unit="cmd", file=sys.stderr, disable=not enabled, dynamic_ncols=True,
                        mininterval=0.5, bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                                    "[{elapsed}<{remaining}, {rate_fmt}{postfix}]")

    def plan(self, phase: str, commands: int) -> None:
        self.bar.set_description_str(phase)
        self.bar.total = (self.bar.total or 0) + commands
        self.bar.refresh()

    def done(self, commands: int = 1) -> None:
        self.bar.update(commands)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    async def _show_events(self) -> None:
        self.head_now = await self.store.head()
        self.bar.set_postfix_str(f"{(self.head_now - self.head_before) / self.elapsed:,.0f} events/s, "
                                 f"{self.head_now - self.head_before:,} events", refresh=False)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            await self._show_events()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Progress]:
        watcher = asyncio.create_task(self._watch())
        try:
            yield self
            await self._show_events()  # the last word on the bar, however short the run
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.bar.close()
