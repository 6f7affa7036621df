"""One writer process for test_event_store_multiprocess.py: appends commits of 1-3 events through its own
MongoEventStore, several asyncio tasks at once, and prints what it stored as one JSON line.

Usage: python event_store_writer.py MONGO_URL DATABASE WRITER COMMITS SEED
It prints "ready" once connected and waits for a line on stdin, so every writer starts at the same moment.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from typing import Any

from pymongo import AsyncMongoClient

from commands.store import MongoEventStore, NewCommit
from domain.events import DomainEvent

TASKS = 3


class MultiprocessNoted(DomainEvent):
    writer: str
    commit: str
    index: int


async def main(url: str, database: str, writer: str, commits: int, seed: int) -> None:
    rng = random.Random(seed)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    store = MongoEventStore(client[database])
    await store.head()  # connected
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    stored: list[dict[str, Any]] = []

    async def task(t: int) -> None:
        stream, version = f"Acct-{writer}-{t}", 0
        for n in range(t, commits, TASKS):
            commit_id = f"{writer}-{n}"
            events = [MultiprocessNoted(writer=writer, commit=commit_id, index=i) for i in range(rng.randint(1, 3))]
            result = await store.append(NewCommit(stream, version, events, commit_id=commit_id))
            version = result.version
            stored.append({"commit": commit_id, "stream": stream, "last": result.position, "size": len(events),
                           "version": result.version})

    try:
        await asyncio.gather(*(task(t) for t in range(TASKS)))
    finally:
        await store.close()
        await client.close()
    print(json.dumps(stored), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
