"""Benchmark-only: a command-handler process whose store is the in-memory recorder, to show how much of an
end-to-end limit is the MongoDB stand-in. Never used by the platform itself."""

from __future__ import annotations

import asyncio

from commands.store.memory import MemoryEventStore
from ops.bootstrap import handlers
from ops.parts import _until_signalled


async def main() -> None:
    async with handlers() as service:
        service.store = MemoryEventStore()
        await _until_signalled()


if __name__ == "__main__":
    asyncio.run(main())
