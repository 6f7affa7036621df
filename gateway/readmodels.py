"""Read side of the gateway: which collection is live for a projection, and read-your-writes waiting."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from gateway.problems import Unavailable
from projections.pointers import Pointer, load_pointer

POLL_SECONDS = 0.01
#: A read without `minPosition` may use a pointer this old. Replay keeps an old collection for 2 s after switching
#: (projections/replay.py), so a cached name never points at a dropped collection.
POINTER_TTL_SECONDS = 0.5


class ReadModels:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], wait_seconds: float) -> None:
        self.db, self.wait_seconds = db, wait_seconds
        self._pointers: dict[str, tuple[float, Pointer]] = {}

    async def collection(self, projection: str, min_position: int | None = None) -> AsyncCollection[dict[str, Any]]:
        """The live collection of `projection`, once it has folded `min_position` (else 503 after the wait)."""
        cached = self._pointers.get(projection)
        if min_position is None and cached and time.monotonic() - cached[0] < POINTER_TTL_SECONDS:
            return self.db[cached[1].collection]
        deadline = time.monotonic() + self.wait_seconds
        while True:
            ptr = await load_pointer(self.db, projection)
            self._pointers[projection] = (time.monotonic(), ptr)
            if min_position is None or ptr.position >= min_position:
                return self.db[ptr.collection]
            if ptr.stopped and int(ptr.stopped.get("position", 0)) <= min_position:
                raise Unavailable(f"read model {projection} is stopped before position {ptr.stopped.get('position')} "
                                  f"({ptr.stopped.get('type')}), an event it cannot fold; it will not reach position "
                                  f"{min_position} until that event is fixed", headers={"Retry-After": "30"},
                                  code="read-model-stopped")
            if time.monotonic() >= deadline:
                raise Unavailable(f"read model {projection} has not reached position {min_position} yet",
                                  headers={"Retry-After": "1"}, code="read-model-behind")
            await asyncio.sleep(POLL_SECONDS)
