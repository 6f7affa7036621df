"""End to end on real processes: the command bus round trip (a handler doing nothing) and registrations through
HTTP -> NATS -> handler -> store, at a fixed concurrency; the same registrations with the store bypassed.

    python -m ops.bench.e2e_bench [--requests 400] [--concurrency 16] [--pings 2000]

Starts its own servers (file-backed store), two handler processes in one queue group and the gateway (uvicorn) as
separate processes, like `reward-ledger run`. Bounded: about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from brokers.nats import make_broker
from brokers.subjects import command_subject
from ops.servers import free_port, spawn_python, start_all, stop_process, wait_http_ok


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def spawn(module_args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return spawn_python(module_args, log, env)


async def bench_pings(nats_url: str, count: int) -> None:
    broker = make_broker(nats_url)
    await broker.connect()
    subject = command_subject("Ping")
    latencies = []
    for _ in range(50):  # warm-up
        await broker.request({}, subject, headers={"Command-Id": uuid.uuid4().hex}, timeout=5)
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        await broker.request({}, subject, headers={"Command-Id": uuid.uuid4().hex}, timeout=5)
        latencies.append(time.perf_counter() - t0)
    sequential = count / (time.perf_counter() - started)

    async def burst(n: int) -> None:
        for _ in range(n):
            await broker.request({}, subject, headers={"Command-Id": uuid.uuid4().hex}, timeout=5)

    started = time.perf_counter()
    await asyncio.gather(*(burst(count // 32) for _ in range(32)))
    concurrent = (count // 32 * 32) / (time.perf_counter() - started)
    await broker.stop()
    print(f"bus round trip (Ping, handler does nothing): sequential {sequential:,.0f}/s, "
          f"p50 {percentile(latencies, 0.5) * 1000:.2f} ms, p99 {percentile(latencies, 0.99) * 1000:.2f} ms; "
          f"32 in flight {concurrent:,.0f}/s")


async def bench_registrations(url: str, requests: int, concurrency: int, label: str) -> None:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    run = uuid.uuid4().hex[:6]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as c:
        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                t0 = time.perf_counter()
                r = await c.post("/auth/users", json={"email": f"b{run}-{i}@example.com", "password": "bench-pass-1"})
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    print(f"registrations via HTTP ({label}, concurrency {concurrency}): {requests / elapsed:,.0f}/s, "
          f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
          f"mean {statistics.mean(latencies) * 1000:.1f} ms, statuses {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pings", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp:
        base = Path(tmp)
        servers = start_all(base / "servers")
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for label, handler_module in (("Mongo stand-in store", ["ops.cli", "handlers"]),
                                          ("store bypassed: in-memory", ["ops.bench.memory_handlers"])):
                port = free_port()
                env = {**os.environ, **servers.urls(), "GATEWAY_PORT": str(port), "LOG_LEVEL": "WARNING",
                       "MONGO_DB": f"b{uuid.uuid4().hex[:8]}", "HANDLER_QUEUE": f"q{uuid.uuid4().hex[:6]}",
                       "DATA_DIR": str(base / "data"), "REGISTRATION_MAX_PER_ADDRESS": "0"}
                procs = [spawn(handler_module, env, base / f"h{i}.log") for i in range(2)]
                procs.append(spawn(["ops.cli", "gateway"], env, base / "gateway.log"))
                url = f"http://127.0.0.1:{port}"
                wait_http_ok(f"{url}/health/ready")
                if handler_module[0] == "ops.cli":
                    asyncio.run(bench_pings(servers.nats.url, args.pings))
                asyncio.run(bench_registrations(url, args.requests, args.concurrency, label))
                for proc in procs:
                    stop_process(proc)
        finally:
            for proc in procs:
                stop_process(proc)
            servers.stop()


if __name__ == "__main__":
    main()
