"""How long the condition preview holds the gateway's event loop: the longest stall every other request sees.

    python -m bench.preview_bench [--users 20000] [--runs 3] [--memory]

Starts the store stand-in alone, seeds `--users` user_facts documents (the generator of activity_bench), and runs
`projections.eligibility.preview` on this process's event loop while a ticker asks for the loop every millisecond
(as a concurrent `GET /health/live` would). The ways: 5,000 documents per read, evaluated whole (the old
behaviour), in a worker thread, in time slices; the shipped smaller reads in time slices; and those again after
`gc.freeze()`, as the gateway does once started (a full collection, which the preview's allocations trigger, would
otherwise scan every object start-up loaded, ~0.2 s). Per way, over `--runs` runs: the ticker's longest wait beyond
its 1 ms (median of the runs, and the worst), how many waits passed 50 ms, and the preview's time. The first row is
the ticker alone: this machine's own noise. Bounded: about a minute at the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from bench.activity_bench import PREVIEW_RULE, TODAY, seeded_doc
from domain.conditions import Condition, parse_condition
from ops.servers import start_mongo
from projections import eligibility

TICK = 0.001


async def ticker(stop: asyncio.Event) -> list[float]:
    """How much later than asked the loop came back to this task, each millisecond until `stop`."""
    waits = []
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        waits.append(time.perf_counter() - started - TICK)
    return waits


async def waits_during(run: Callable[[], Awaitable[Any]]) -> tuple[list[float], float]:
    """The ticker's waits beyond its 1 ms while `run` ran, and how long `run` took."""
    stop = asyncio.Event()
    ticks = asyncio.create_task(ticker(stop))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await run()
    took = time.perf_counter() - started
    stop.set()
    return await ticks, took


async def frozen(run: Awaitable[Any]) -> Any:
    """`run` once the objects alive now are out of the collector's reach, as the gateway does once started: a full
    collection then scans only what came after, not every module, class and function loaded (~0.2 s otherwise)."""
    gc.collect()
    gc.freeze()
    return await run


async def in_threads(coll: Any, condition: Condition | None, start: datetime) -> eligibility.Preview:
    """The preview with each fetched batch evaluated whole in a worker thread (the loop keeps the fetching)."""
    result = eligibility.Preview()
    projection = {name: 1 for name in sorted(eligibility.fact_fields(condition))} if condition else {"_id": 1}
    async for batch in eligibility.batches(coll, projection):
        result.users += len(batch)
        await asyncio.to_thread(eligibility.evaluate_docs, batch, 0, condition, start, None, result, 20, math.inf)
    return result


async def bench(url: str, users: int, runs: int) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    coll = client[f"p{uuid.uuid4().hex[:8]}"]["user_facts"]
    rng = random.Random(11)
    for first in range(0, users, 2000):
        await coll.insert_many([seeded_doc(rng, n) for n in range(first, min(users, first + 2000))])
    condition, start = parse_condition(PREVIEW_RULE), TODAY - timedelta(days=14)
    ways: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("nothing (this machine's noise)", lambda: asyncio.sleep(4)),
        ("5,000 read, evaluated whole (before)",
         lambda: eligibility.preview(coll, condition, start, None, slice_seconds=math.inf, batch_size=5000)),
        ("5,000 read, evaluated in a thread", lambda: in_threads(coll, condition, start)),
        ("5,000 read, 10 ms slices", lambda: eligibility.preview(coll, condition, start, None, batch_size=5000)),
        (f"{eligibility.BATCH_SIZE:,} read, {eligibility.SLICE_SECONDS * 1000:.0f} ms slices",
         lambda: eligibility.preview(coll, condition, start, None)),
        ("the same after gc.freeze() (after)", lambda: frozen(eligibility.preview(coll, condition, start, None))),
    ]
    await eligibility.preview(coll, condition, start, None)  # warm the store's cache
    print(f"{'preview of ' + format(users, ',') + ' users':38} {'longest (median, worst)':>24} {'>50 ms':>7} "
          f"{'took':>7}")
    for label, run in ways:
        outcomes = [await waits_during(run) for _ in range(runs)]
        longest = sorted(max(waits) * 1000 for waits, _ in outcomes)
        over = sum(sum(w > 0.05 for w in waits) for waits, _ in outcomes) / runs
        took = statistics.median(took for _, took in outcomes)
        print(f"{label:38} {statistics.median(longest):>9.0f} ms, {longest[-1]:>6.0f} ms {over:>7.1f} {took:>5.2f} s")
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per way")
    parser.add_argument("--memory", action="store_true", help="the stand-in on in-memory SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as tmp:
        store = start_mongo(Path(tmp) / "mongo", memory=args.memory)
        try:
            asyncio.run(bench(store.url, args.users, args.runs))
        finally:
            store.stop()


if __name__ == "__main__":
    main()
