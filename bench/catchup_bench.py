"""Catch-up at scale: how fast every registered read model folds the whole log, beside what the store can give.

    python -m bench.catchup_bench [--url MONGO_URL | --data-dir DIR] [--database ledger] [--limit N] [--each]
    python -m bench.catchup_bench --tiny          # a smoke run: its own in-memory stand-in and a small seed

One table, one run, the same store:
- `raw paged read` before and after (bench/store_rates.py): the ceiling a fold cannot pass;
- `catch-up, all read models`: a `RunnerGroup` of every projection in projections/registry.py, run as the
  projectors process runs it (`catch_up` until the head), from position 0 into a scratch database on the same
  server, so the live read models and pointers are not touched: events/s, and this process's CPU beside it;
- with `--each`: the same fold for each projection alone (over `--each-limit` events), its events/s and CPU/event;
- `replay --all`: `rebuild` (projections/replay.py, what `reward-ledger replay --all` runs) of every projection into
  the scratch database, wall time and rate.

A store of about a million events: start a platform (`reward-ledger run`, or a bare stand-in and MONGO_URL), then
`reward-ledger seed-demo --users 40000 --events 2000 --days 30` (docs/performance.md, "Issue 11"), then run this
with `--data-dir` naming that platform's DATA_DIR (or `--url`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from bench.store_rates import StoreRates, store_rates
from commands.store.base import EventStore
from commands.store.mongo import MongoEventStore
from domain.events import RecordedEvent
from projections.base import Projection
from projections.registry import all_projections
from projections.replay import drop_replaced, rebuild
from projections.runner import ProjectionRunner, RunnerGroup


class Capped:
    """The store's log up to position `cap`: a fold of a prefix, read the way the runners read it."""

    def __init__(self, store: EventStore, cap: int) -> None:
        self.store, self.cap = store, cap

    async def read_all(self, from_position: int, limit: int = 1000) -> list[RecordedEvent]:
        if from_position > self.cap:
            return []
        return [e for e in await self.store.read_all(from_position, limit) if e.position <= self.cap]

    async def head(self) -> int:
        return min(await self.store.head(), self.cap)


@dataclass(frozen=True)
class Run:
    label: str
    events: int
    seconds: float
    cpu: float

    def row(self) -> str:
        rate = self.events / max(self.seconds, 1e-9)
        cpu = f"{self.cpu / max(self.events, 1) * 1e6:,.0f} us" if self.cpu else "-"
        return f"| {self.label} | {self.events:,} | {self.seconds:,.1f} s | {rate:,.0f} | {cpu} |"


async def fold_all(source: EventStore, scratch: Any, projections: list[Projection], label: str) -> Run:
    """Fold `projections` from 0 to the head into `scratch` with one RunnerGroup, as the projectors process does."""
    group = RunnerGroup(scratch, source, [ProjectionRunner(scratch, source, p) for p in projections])  # type: ignore[arg-type]
    for runner in group.runners:
        await runner.prepare()
    started, cpu = time.perf_counter(), time.process_time()
    if failures := await group.catch_up():
        raise RuntimeError(f"{failures[0][0].name} failed: {failures[0][1]!r}")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(label, await source.head(), seconds, cpu)


async def replay_all(source: EventStore, scratch: Any, projections: list[Projection]) -> Run:
    started, cpu = time.perf_counter(), time.process_time()
    done = await rebuild(scratch, source, projections)  # type: ignore[arg-type]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    await drop_replaced(scratch, done.replaced, 0)
    return Run("replay --all (rebuild aside + switch)", await source.head(), seconds, cpu)


async def bench(url: str, database: str, limit: int | None, each: bool, each_limit: int) -> str:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    store = MongoEventStore(client[database])
    head = await store.head()
    source: EventStore = Capped(store, limit) if limit else store  # type: ignore[assignment]
    events = min(head, limit or head)
    projections = list(all_projections().values())
    before = await store_rates(url, database, read_limit=min(events, 200_000))
    runs: list[Run] = []
    try:
        scratch = client[f"catchup{uuid.uuid4().hex[:8]}"]
        try:
            runs.append(await fold_all(source, scratch, projections, f"catch-up, all {len(projections)} read models"))
            runs.append(await replay_all(source, scratch, projections))
        finally:
            await client.drop_database(scratch.name)
        for projection in projections if each else []:
            alone = client[f"catchup{uuid.uuid4().hex[:8]}"]
            try:
                runs.append(await fold_all(Capped(store, min(events, each_limit)), alone, [projection],  # type: ignore[arg-type]
                                           f"catch-up, {projection.name} alone"))
            finally:
                await client.drop_database(alone.name)
        after = await store_rates(url, database, read_limit=min(events, 200_000))
    finally:
        await store.close()
        await client.close()
    return table(events, before, after, runs)


def table(events: int, before: StoreRates, after: StoreRates, runs: list[Run]) -> str:
    raw = (before.paged_read + after.paged_read) / 2
    lines = [f"log: {events:,} events; uptime: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (load 1, 5 min)",
             f"before: {before.line()}", f"after:  {after.line()}", "",
             "| run | events | wall | events/s | this process CPU/event | share of raw paged read |",
             "|---|---|---|---|---|---|"]
    for run in runs:
        share = run.events / max(run.seconds, 1e-9) / max(raw, 1e-9)
        lines.append(f"{run.row()} {share:.0%} |")
    lines.append(f"| raw paged read (mean of before/after) | {before.paged_events:,} | - | {raw:,.0f} | - | 100% |")
    return "\n".join(lines)


@contextlib.contextmanager
def tiny_store() -> Iterator[str]:
    """An in-memory stand-in of our own, for the smoke run."""
    from ops.servers import start_mongo

    with tempfile.TemporaryDirectory(prefix="catchup-") as tmp:
        server = start_mongo(Path(tmp), memory=True)
        try:
            yield server.url
        finally:
            server.stop()


async def seed_tiny(url: str, database: str) -> None:
    from ops.seed_demo import seed_demo_main

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    store = MongoEventStore(client[database])
    try:
        await store.ensure_indexes()
        await seed_demo_main(store, users=20, seed_value=7, promotions=3, days=14)
    finally:
        await store.close()
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="the store's URL (default: MONGO_URL, or the running platform's)")
    parser.add_argument("--data-dir", help="DATA_DIR of a running `reward-ledger run` whose store to measure")
    parser.add_argument("--database", help="the database holding the event log (default: MONGO_DB)")
    parser.add_argument("--limit", type=int, help="fold only the log's first N positions")
    parser.add_argument("--each", action="store_true", help="also fold each projection alone")
    parser.add_argument("--each-limit", type=int, default=100_000, help="positions each projection folds alone")
    parser.add_argument("--tiny", action="store_true", help="smoke run: an in-memory stand-in, seeded small")
    args = parser.parse_args()
    if args.data_dir:
        os.environ["DATA_DIR"] = args.data_dir
    from base.settings import MongoSettings

    if args.tiny:
        with tiny_store() as url:
            asyncio.run(seed_tiny(url, "ledger"))
            print(asyncio.run(bench(url, "ledger", args.limit, args.each, args.each_limit)))
        return
    if args.url:  # MongoSettings' default URL is read from a running platform's run.json: not needed then
        os.environ["MONGO_URL"] = args.url
    settings = MongoSettings()
    print(asyncio.run(bench(settings.url, args.database or settings.database, args.limit, args.each,
                            args.each_limit)))


if __name__ == "__main__":
    main()
