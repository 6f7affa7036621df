"""Event-store throughput on the MongoDB stand-in, with MemoryEventStore beside it running the same workload, so
one can see how much of each limit is the stand-in (the memory store costs only our own mapping and asyncio).

    python -m bench.store_bench [--memory] [--scale 1.0]

Starts its own servers under a temporary directory (file-backed store unless `--memory`) and stops them after.
Each workload runs on a fresh database. Whole run: well under 90 s at scale 1 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient

from commands.store import EventStore, MemoryEventStore, MongoEventStore, NewCommit
from commands.store.mapper import commit_to_doc, event_to_doc
from commands.store.mongo import COMMITS
from domain.events import DomainEvent
from ops.servers import running

Client = AsyncMongoClient[dict[str, Any]]


class BenchPointsGranted(DomainEvent):
    """A payload of the size real events have."""

    account_id: str
    points: int
    reason: str
    granted_at: datetime


def events(n: int) -> list[DomainEvent]:
    now = datetime.now(UTC)
    return [BenchPointsGranted(account_id=uuid.uuid4().hex, points=i + 1, reason="bench", granted_at=now)
            for i in range(n)]


@dataclass
class Run:
    events: int
    seconds: float
    commits_per_round_trip: float | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def _group_commit_totals() -> tuple[float, float]:
    total = REGISTRY.get_sample_value("ledger_store_group_commit_size_sum") or 0.0
    count = REGISTRY.get_sample_value("ledger_store_group_commit_size_count") or 0.0
    return total, count


async def timed(work: Callable[[], Awaitable[int]]) -> Run:
    commits_before, trips_before = _group_commit_totals()
    started = time.perf_counter()
    n = await work()
    run = Run(n, time.perf_counter() - started)
    commits, trips = _group_commit_totals()
    if trips > trips_before:
        run.commits_per_round_trip = (commits - commits_before) / (trips - trips_before)
    return run


async def append_sequentially(store: EventStore, commits: int) -> int:
    version = 0
    for _ in range(commits):
        version = (await store.append(NewCommit("Acct-seq", version, events(1)))).version
    return commits


async def append_concurrently(store: EventStore, tasks: int, commits_per_task: int, size: int) -> int:
    async def appender(t: int) -> None:
        version = 0
        for _ in range(commits_per_task):
            version = (await store.append(NewCommit(f"Acct-{t}", version, events(size)))).version

    await asyncio.gather(*(appender(t) for t in range(tasks)))
    return tasks * commits_per_task * size


async def catch_up(store: EventStore, page: int) -> int:
    """Read the whole log the way a projection catches up: read_all(checkpoint + 1) until empty."""
    checkpoint = 0
    while batch := await store.read_all(checkpoint + 1, page):
        checkpoint = batch[-1].position
    return checkpoint


def commit_sizes(total_events: int, seed: int = 7) -> list[int]:
    """Commit sizes of 1-3 events adding up to `total_events`."""
    rng, sizes = random.Random(seed), list[int]()
    while (left := total_events - sum(sizes)) > 0:
        sizes.append(min(rng.randint(1, 3), left))
    return sizes


async def fill_memory(store: MemoryEventStore, sizes: list[int]) -> None:
    for n, size in enumerate(sizes):
        await store.append(NewCommit(f"Acct-{n}", 0, events(size)))


async def fill_mongo(client: Client, database: str, sizes: list[int]) -> None:
    """Write the commits the store would write, 1,000 per insert_many (filling is not what is measured)."""
    docs, position, now = [], 1, datetime.now(UTC)
    for n, size in enumerate(sizes):
        stored = [event_to_doc(e, uuid.uuid4().hex) for e in events(size)]
        docs.append(commit_to_doc(f"Acct-{n}", 1, position, stored, uuid.uuid4().hex, None, None, None, None, now))
        position += size
    for start in range(0, len(docs), 1000):
        await client[database][COMMITS].insert_many(docs[start:start + 1000], ordered=True)


class Stores:
    """Hands out a fresh store of each kind per workload, and cleans up the Mongo ones."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.databases: list[str] = []
        self.mongo_stores: list[MongoEventStore] = []

    async def mongo(self) -> tuple[MongoEventStore, str]:
        name = f"bench{uuid.uuid4().hex[:8]}"
        self.databases.append(name)
        store = MongoEventStore(self.client[name])
        await store.ensure_indexes()
        self.mongo_stores.append(store)
        return store, name

    async def close(self) -> None:
        for store in self.mongo_stores:
            await store.close()
        for name in self.databases:
            await self.client.drop_database(name)


async def raw_insert_one(client: Client, n: int) -> int:
    collection = client[f"raw{uuid.uuid4().hex[:8]}"]["docs"]
    for i in range(n):
        await collection.insert_one({"_id": i, "v": "x" * 64})
    await client.drop_database(collection.database.name)
    return n


async def raw_ping(client: Client, n: int) -> int:
    for _ in range(n):
        await client.admin.command("ping")
    return n


def _fmt(value: float | None, spec: str = ",.0f") -> str:
    return "-" if value is None else format(value, spec)


async def bench(url: str, scale: float) -> list[tuple[str, Run, Run | None]]:
    def scaled(n: int) -> int:
        return max(1, int(n * scale))

    client: Client = AsyncMongoClient(url, tz_aware=True)
    stores = Stores(client)
    rows: list[tuple[str, Run, Run | None]] = []
    workloads: list[tuple[str, Callable[[EventStore], Awaitable[int]]]] = [
        ("1-event commits, sequential", lambda s: append_sequentially(s, scaled(2000))),
        ("1-event commits, 32 appenders", lambda s: append_concurrently(s, 32, scaled(150), 1)),
        ("10-event commits, 32 appenders", lambda s: append_concurrently(s, 32, scaled(60), 10)),
    ]
    try:
        for name, work in workloads:
            mongo, _ = await stores.mongo()
            rows.append((name, await timed(partial(work, mongo)), await timed(partial(work, MemoryEventStore()))))
        sizes = commit_sizes(scaled(20_000))
        mongo, database = await stores.mongo()
        memory = MemoryEventStore()
        await fill_mongo(client, database, sizes)
        await fill_memory(memory, sizes)
        rows.append((f"catch-up read_all, pages of 1000 ({len(sizes):,} commits)",
                     await timed(partial(catch_up, mongo, 1000)), await timed(partial(catch_up, memory, 1000))))
        rows.append(("raw pymongo insert_one (reference)", await timed(partial(raw_insert_one, client, scaled(2000))),
                     None))
        rows.append(("raw pymongo ping (reference)", await timed(partial(raw_ping, client, scaled(2000))), None))
    finally:
        await stores.close()
        await client.close()
    return rows


def print_table(rows: list[tuple[str, Run, Run | None]], kind: str) -> None:
    header = ("workload", "events/ops", f"stand-in/s ({kind})", "memory store/s", "memory÷stand-in",
              "commits/round trip")
    lines = [header] + [
        (name, f"{mongo.events:,}", _fmt(mongo.rate), _fmt(memory.rate if memory else None),
         _fmt(memory.rate / mongo.rate if memory else None, ",.1f"), _fmt(mongo.commits_per_round_trip, ".1f"))
        for name, mongo, memory in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths,
                                                                                                      strict=True))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memory", action="store_true", help="run the stand-in on in-memory SQLite (as tests do)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every workload's size (default 1)")
    args = parser.parse_args()
    kind = "in-memory" if args.memory else "file"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp, running(Path(tmp), memory_store=args.memory) as s:
        print(f"servers up in {time.perf_counter() - started:.1f} s; stand-in {s.mongo.url} ({kind} SQLite)")
        rows = asyncio.run(bench(s.mongo.url, args.scale))
    print()
    print_table(rows, kind)
    print(f"\nwhole run {time.perf_counter() - started:.1f} s. 'commits/round trip' is the mean group-commit size "
          "(ledger_store_group_commit_size); catch-up pages are 1000 commits on the stand-in, 1000 events in memory.")


if __name__ == "__main__":
    main()
