"""Read side of the gateway: which collection is live for a projection, and read-your-writes waiting."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from gateway.problems import Unavailable
from projections.pointers import load_pointer

POLL_SECONDS = 0.01


class ReadModels:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], wait_seconds: float) -> None:
        self.db, self.wait_seconds = db, wait_seconds

    async def collection(self, projection: str, min_position: int | None = None) -> AsyncCollection[dict[str, Any]]:
        """The live collection of `projection`, once it has folded `min_position` (else 503 after the wait)."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            ptr = await load_pointer(self.db, projection)
            if min_position is None or ptr.position >= min_position:
                return self.db[ptr.collection]
            if time.monotonic() >= deadline:
                raise Unavailable(f"read model {projection} has not reached position {min_position} yet",
                                  headers={"Retry-After": "1"}, code="read-model-behind")
            await asyncio.sleep(POLL_SECONDS)
