"""One store read at a time, shared: concurrent callers that ask while it runs all get its result, so a burst of
requests costs one read rather than one each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Every caller may have gone (cancelled) before the read failed: mark its exception seen, not an error log."""
    if not task.cancelled():
        task.exception()


class SingleFlight(Generic[T]):
    def __init__(self, read: Callable[[], Coroutine[Any, Any, T]]) -> None:
        self._read = read
        self._task: asyncio.Task[T] | None = None

    async def __call__(self) -> T:
        """The result of the read in flight, or of a new one. A cancelled caller leaves the read to the others."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._read())
            self._task.add_done_callback(_retrieve)
        return await asyncio.shield(self._task)
