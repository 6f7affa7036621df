"""The store's raw rates, measured on the very server a platform uses, so every figure of a load test or benchmark
can be read as a share of what the store allows at that moment (the machine's speed varies threefold by day):

- `ping`: round trips per second (the stand-in's per-request floor);
- `insert_many`: documents per second, in batches of 1,000, into a scratch database dropped afterwards;
- `paged read`: stored events per second, reading the event log the way a projection catches up (`read_all` pages of
  1,000 from position 1), up to `read_limit` events.

    python -m bench.store_rates [--url MONGO_URL] [--database ledger]

Without `--url`, the store of the `reward-ledger run` found through DATA_DIR/run.json."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient

from base.settings import MongoSettings
from commands.store.mongo import MongoEventStore


@dataclass(frozen=True)
class StoreRates:
    ping: float
    insert_many: float
    paged_read: float
    paged_events: int

    def line(self) -> str:
        return (f"store raw: ping {self.ping:,.0f}/s, insert_many {self.insert_many:,.0f} docs/s, paged read "
                f"{self.paged_read:,.0f} events/s (over {self.paged_events:,} events)")


async def _rate(work: Any, count: int) -> float:
    started = time.perf_counter()
    await work()
    return count / max(time.perf_counter() - started, 1e-9)


async def store_rates(url: str, database: str, pings: int = 500, docs: int = 5_000,
                      read_limit: int = 20_000) -> StoreRates:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    try:
        async def ping() -> None:
            for _ in range(pings):
                await client.admin.command("ping")

        scratch = client[f"rates{uuid.uuid4().hex[:8]}"]["docs"]

        async def insert() -> None:
            for start in range(0, docs, 1000):
                await scratch.insert_many([{"_id": i, "v": "x" * 200} for i in range(start, start + 1000)])

        store, read = MongoEventStore(client[database]), 0

        async def paged() -> None:
            nonlocal read
            checkpoint = 0
            while read < read_limit and (batch := await store.read_all(checkpoint + 1, 1000)):
                checkpoint, read = batch[-1].position, read + len(batch)

        ping_rate = await _rate(ping, pings)
        insert_rate = await _rate(insert, docs)
        await client.drop_database(scratch.database.name)
        started = time.perf_counter()
        await paged()
        read_rate = read / max(time.perf_counter() - started, 1e-9)
        return StoreRates(ping_rate, insert_rate, read_rate, read)
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="the store's URL (default: MONGO_URL, or the running platform's)")
    parser.add_argument("--database", help="the database holding the event log (default: MONGO_DB)")
    args = parser.parse_args()
    settings = MongoSettings()
    print(asyncio.run(store_rates(args.url or settings.url, args.database or settings.database)).line())


if __name__ == "__main__":
    main()
