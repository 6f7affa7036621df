"""End to end on real processes: the command bus round trip (a handler doing nothing) and registrations through
HTTP -> NATS -> handler -> store, at a fixed concurrency; the same registrations with the store bypassed. First, the
cost of the identity check every command pays (signing its envelope in the gateway, verifying it in the handler),
in-process. The raw store ping rate, measured just before and after the bus round trips, is printed beside them:
on a shared machine it shows how busy the machine was during the run.

    python -m bench.e2e_bench [--requests 400] [--concurrency 16] [--pings 2000]

Starts its own servers (file-backed store), two handler processes in one queue group and the gateway (uvicorn) as
separate processes, like `reward-ledger run`. Bounded: about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import AsyncMongoClient

from base.nats_auth import GATEWAY, HANDLERS
from base.settings import NatsSettings
from base.subjects import command_subject
from bench.platform import parts_running
from brokers.nats import connect_options, make_broker
from commands.context import Actor
from commands.envelope import HEADER, EnvelopeSigner, EnvelopeVerifier
from commands.keys import load_or_create_key
from ops.servers import start_all


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_identity_check(rounds: int) -> None:
    """Microseconds to sign one envelope and to verify it, on a body like a role change's."""
    key = Ed25519PrivateKey.generate()
    signer, verifier = EnvelopeSigner(key), EnvelopeVerifier([key.public_key()])
    body, actor = b'{"userId":"' + b"u" * 32 + b'","roles":["ADMIN","USER"]}', Actor("a" * 32, frozenset({"ADMIN"}))
    started = time.perf_counter()
    envelopes = [signer.sign("ChangeUserRoles", body, uuid.uuid4().hex, actor, "corr") for _ in range(rounds)]
    sign = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for envelope in envelopes:
        verifier.verify("ChangeUserRoles", body, {HEADER: envelope})
    verify = (time.perf_counter() - started) / rounds
    print(f"identity check per command ({rounds:,} rounds): sign {sign * 1e6:.1f} us (gateway), "
          f"verify {verify * 1e6:.1f} us (handler), together {(sign + verify) * 1e6:.1f} us")


async def store_ping_rate(mongo_url: str, seconds: float = 1.0) -> float:
    """Bare `ping` commands per second against the store: the yardstick of how busy the machine is."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url)
    try:
        await client.admin.command("ping")
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            await client.admin.command("ping")
            count += 1
        return count / (time.perf_counter() - started)
    finally:
        await client.close()


async def bench_pings(nats: NatsSettings, mongo_url: str, signer: EnvelopeSigner, count: int) -> None:
    """Each Ping is signed here, as the gateway signs its commands, so the round trip includes sign + verify."""
    broker = make_broker(nats.url, **connect_options(nats))
    await broker.connect()
    subject = command_subject("Ping")
    latencies = []

    async def ping() -> None:
        headers = {HEADER: signer.sign("Ping", b"{}", uuid.uuid4().hex, Actor(), None)}
        await broker.request(b"{}", subject, headers=headers, timeout=5)

    for _ in range(50):  # warm-up
        await ping()
    store_before = await store_ping_rate(mongo_url)
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        await ping()
        latencies.append(time.perf_counter() - t0)
    sequential = count / (time.perf_counter() - started)

    async def burst(n: int) -> None:
        for _ in range(n):
            await ping()

    started = time.perf_counter()
    await asyncio.gather(*(burst(count // 32) for _ in range(32)))
    concurrent = (count // 32 * 32) / (time.perf_counter() - started)
    store_after = await store_ping_rate(mongo_url)
    await broker.stop()
    print(f"bus round trip (Ping, signed, handler verifies and does nothing): sequential {sequential:,.0f}/s, "
          f"p50 {percentile(latencies, 0.5) * 1000:.2f} ms, p99 {percentile(latencies, 0.99) * 1000:.2f} ms; "
          f"32 in flight {concurrent:,.0f}/s; raw store ping {store_before:,.0f}/s before, {store_after:,.0f}/s after")


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
    parser.add_argument("--sign-rounds", type=int, default=5000)
    args = parser.parse_args()
    bench_identity_check(args.sign_rounds)
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp:
        base = Path(tmp)
        key_path = base / "keys" / "jwt-ed25519.pem"
        signer = EnvelopeSigner(load_or_create_key(key_path))  # the platform key the parts below load
        servers = start_all(base / "servers")
        try:
            for label, handler_module in (("Mongo stand-in store", ["ops.cli", "handlers"]),
                                          ("store bypassed: in-memory", ["bench.memory_handlers"])):
                parts = [(handler_module, HANDLERS, f"h{i}.log") for i in range(2)]
                parts.append((["ops.cli", "gateway"], GATEWAY, "gateway.log"))
                with parts_running(servers, base, parts, JWT_PRIVATE_KEY_PATH=str(key_path),
                                   REGISTRATION_MAX_PER_ADDRESS="0") as platform:
                    if handler_module[0] == "ops.cli":
                        asyncio.run(bench_pings(servers.nats_credentials().settings_for(GATEWAY, servers.nats.url),
                                                servers.mongo.url, signer, args.pings))
                    asyncio.run(bench_registrations(platform.url, args.requests, args.concurrency, label))
        finally:
            servers.stop()

if __name__ == "__main__":
    main()
