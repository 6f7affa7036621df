"""What read-your-writes costs: GET latency and rate by default (wait for the head the gateway knows of, at most
READ_CONSISTENCY_WAIT_SECONDS) against `?consistency=eventual` (no wait), on real processes.

Two mixes, each at a few concurrencies: `write+read` (create an event, then read it back at once: the GET must wait
for the events projector, and without the wait it may be a 404; an op is the pair, the latencies are the GET's)
and `read-only` (list events while nothing is written: the known head is already folded, so the default should
cost nothing). Within a row the two modes alternate op by op, so they share the machine's load: compare their
latencies (ops/s is each mode's share of the row). The raw store ping rate, measured just before each row, is
printed beside it: on a shared machine it shows how busy the machine was.

    python -m bench.read_your_writes_bench [--seconds 3] [--concurrency 1 8 32]

Starts its own servers, one handler process, the projectors and the gateway, like `reward-ledger run`. Bounded:
each row runs `--seconds` (under a minute in all with the defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from base.nats_auth import GATEWAY, HANDLERS, PROJECTORS
from bench.e2e_bench import percentile, store_ping_rate
from bench.platform import parts_running
from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store.mongo import MongoEventStore
from ops.servers import start_all

PASSWORD = "bench-pass-9"
EVENT = {"name": "Bench", "periodStart": "2026-11-01T00:00:00Z"}


async def operator_headers(client: httpx.AsyncClient, db: Any) -> dict[str, str]:
    """Register over HTTP, become OPERATOR through a command straight to the store (as an ADMIN would grant it),
    log in over HTTP; returns the bearer header."""
    email = f"ryw-{uuid.uuid4().hex[:8]}@example.com"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    for _ in range(20):  # handler processes may still be starting: 503 until one subscribes; a retry is the same
        registered = await client.post("/auth/users", json={"email": email, "password": PASSWORD}, headers=key)
        if registered.status_code != 503:
            break
        await asyncio.sleep(0.5)
    assert registered.status_code == 201, registered.text
    store = MongoEventStore(db)
    try:
        reply = await dispatch("ChangeUserRoles", {"userId": registered.json()["id"], "roles": ["OPERATOR"]},
                               Caller(uuid.uuid4().hex, Actor("bench", frozenset({"ADMIN"}))), store)
    finally:
        await store.close()
    assert reply.ok, reply.error
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['accessToken']}"}


@dataclass
class Row:
    reads: list[float] = field(default_factory=list)  # GET latencies, seconds
    statuses: Counter[int] = field(default_factory=Counter)
    lagged: int = 0  # answers with Ledger-Lag

    def record(self, started: float, response: httpx.Response) -> None:
        self.reads.append(time.perf_counter() - started)
        self.statuses[response.status_code] += 1
        self.lagged += "Ledger-Lag" in response.headers


Step = Callable[[httpx.AsyncClient, dict[str, str], dict[str, str], Row], Awaitable[None]]


async def write_then_read(client: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str],
                          row: Row) -> None:
    created = await client.post("/events", json=EVENT, headers=headers)
    assert created.status_code == 201, created.text
    started = time.perf_counter()
    row.record(started, await client.get(f"/events/{created.json()['id']}", headers=headers, params=params))


async def list_only(client: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str], row: Row) -> None:
    started = time.perf_counter()
    row.record(started, await client.get("/events", headers=headers, params={"limit": "20", **params}))


MODES: dict[str, dict[str, str]] = {"read-your-writes": {}, "eventual": {"consistency": "eventual"}}


async def run_row(url: str, headers: dict[str, str], step: Step, concurrency: int,
                  seconds: float) -> tuple[dict[str, Row], float]:
    """`concurrency` workers for `seconds`, each alternating the modes op by op (worker n starts with mode n % 2),
    so both modes run under the same load: on a shared machine only such a comparison means anything."""
    rows = {mode: Row() for mode in MODES}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        deadline = time.perf_counter() + seconds

        async def worker(n: int) -> None:
            modes = list(MODES.items())
            while time.perf_counter() < deadline:
                mode, params = modes[n % len(modes)]
                await step(client, headers, params, rows[mode])
                n += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        return rows, time.perf_counter() - started


async def bench(url: str, mongo_url: str, database: str, concurrencies: list[int], seconds: float) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            headers = await operator_headers(client, mongo[database])
    finally:
        await mongo.close()
    print(f"{'mix':<11} {'consistency':<16} {'conc':>4} {'ops/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'lagged':>6}  statuses  [store pings/s]")
    for mix, step in (("write+read", write_then_read), ("read-only", list_only)):
        await run_row(url, headers, step, 4, 0.5)  # warm-up
        for concurrency in concurrencies:
            pings = await store_ping_rate(mongo_url, 0.5)
            rows, elapsed = await run_row(url, headers, step, concurrency, seconds)
            for mode, row in rows.items():
                ms = [v * 1000 for v in row.reads] or [0.0]
                print(f"{mix:<11} {mode:<16} {concurrency:>4} {len(row.reads) / elapsed:>7,.0f} "
                      f"{percentile(ms, 0.5):>7.1f} {percentile(ms, 0.95):>7.1f} {percentile(ms, 0.99):>7.1f} "
                      f"{row.lagged:>6}  {dict(row.statuses)}  [{pings:,.0f}]", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each row")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ryw-bench-") as tmp, contextlib.ExitStack() as running:
        base = Path(tmp)
        servers = start_all(base / "servers")
        running.callback(servers.stop)
        parts = [(["ops.cli", part], identity, f"{part}.log")
                 for part, identity in (("handlers", HANDLERS), ("projectors", PROJECTORS), ("gateway", GATEWAY))]
        platform = running.enter_context(parts_running(servers, base, parts, REGISTRATION_MAX_PER_ADDRESS="0"))
        asyncio.run(bench(platform.url, servers.mongo.url, platform.database, args.concurrency, args.seconds))

if __name__ == "__main__":
    main()
