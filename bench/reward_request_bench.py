"""Reward requests end to end over HTTP (gateway -> NATS -> handler desk -> store), with `autoResolve`, at a fixed
concurrency: first spread over many event rewards (no contention), then all on one event reward with stock (the
hot spot), checking that the hot reward granted exactly its stock and no more. The raw store ping rate, measured just
before and after each phase, is printed beside the figures: on a shared machine it shows how busy the machine was.

    python -m bench.reward_request_bench [--requests 3000] [--concurrency 32] [--events 50] [--users 100]
                                         [--hot-requests 3000] [--hot-stock 1000] [--handlers N]
                                         [--count-store-ops]

Starts its own servers (file-backed store) and the platform's parts as separate processes, like `reward-ledger
run` (bench/platform.py run_parts: by default one handler, the projectors with the relay, the gateway). Each user
reports one check-in first and every event asks for `{"checkins": {"min": 1}}`, so each decision reads the user's
facts and is approved.
`--count-store-ops` also prints the store operations each request cost, by kind (bench/standin_ops): what the
stand-in spends its time on does not depend on how busy the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from base.settings import LayoutSettings
from bench.e2e_bench import percentile, store_ping_rate
from bench.platform import parts_running, run_parts
from commands.keys import load_or_create_key
from commands.store.mongo import MongoEventStore
from domain.clock import iso
from ops.admin_cli import create_admin_main
from ops.servers import start_all

PASSWORD = "bench-pass-1"
RULE = {"checkins": {"min": 1}}


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                           f"{response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


async def gather_limited(n: int, calls: list[Any]) -> list[Any]:
    semaphore = asyncio.Semaphore(n)

    async def one(call: Any) -> Any:
        async with semaphore:
            return await call

    return await asyncio.gather(*(one(c) for c in calls))


async def login(c: httpx.AsyncClient, email: str) -> tuple[str, str]:
    body = await _ok(await c.post("/auth/login", json={"email": email, "password": PASSWORD}))
    c.cookies.clear()
    return body["user"]["id"], body["accessToken"]


async def setup(c: httpx.AsyncClient, admin_token: str, users: int, events: int, hot_stock: int
                ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], tuple[str, str]]:
    """Users (id, token) with one check-in each; `events` uncontended event rewards and one hot one, all
    autoResolve on the check-in rule, perUserLimit 1000."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    run = uuid.uuid4().hex[:6]
    emails = [f"rr{run}-{i}@example.com" for i in range(users)]
    await gather_limited(8, [c.post("/auth/users", json={"email": e, "password": PASSWORD}) for e in emails])
    tokens = await gather_limited(8, [login(c, e) for e in emails])
    last = None
    for user_id, _ in tokens:
        r = await c.post("/activities", headers=admin, json={"id": uuid.uuid4().hex, "userId": user_id,
                                                              "kind": "checkin"})
        last = r.headers.get("Ledger-Position")
    now = datetime.now(UTC)
    reward = await _ok(await c.post("/rewards/point", headers=admin, json={"name": "100P", "points": 100}), 201)

    async def event_reward(stock: int | None) -> tuple[str, str]:
        event = await _ok(await c.post("/events", headers=admin, json={
            "name": f"bench {uuid.uuid4().hex[:6]}", "periodStart": iso(now - timedelta(hours=1)),
            "periodEnd": iso(now + timedelta(days=1)), "rewardCondition": RULE}), 201)
        await _ok(await c.post(f"/events/{event['id']}/rewards", headers=admin, json={
            "rewardId": reward["id"], "autoResolve": True, "perUserLimit": 1000,
            **({"stock": stock} if stock is not None else {})}), 201)
        return event["id"], reward["id"]

    spread = [await event_reward(None) for _ in range(events)]
    hot = await event_reward(hot_stock)
    await _ok(await c.get("/events", headers=admin, params={"minPosition": last}))  # projections caught up
    return tokens, spread, hot


class StoreOps:
    """The stand-in's operation counts (bench/standin_ops/sitecustomize.py), read by signalling it."""

    def __init__(self, pid: int | None, path: Path) -> None:
        self.pid, self.path = pid, path

    async def totals(self) -> dict[str, list[float]]:
        if self.pid is None:
            return {}
        os.kill(self.pid, signal.SIGUSR1)
        await asyncio.sleep(0.3)
        return dict(json.loads(self.path.read_text())) if self.path.exists() else {}

    @staticmethod
    def report(before: dict[str, list[float]], after: dict[str, list[float]], requests: int) -> None:
        if not after:
            return
        diff = {k: (v[0] - before.get(k, [0, 0])[0], v[1] - before.get(k, [0, 0])[1]) for k, v in after.items()}
        total = sum(n for n, _ in diff.values())
        print(f"  store operations per request: {total / requests:.2f} ({int(total):,} in all); by kind:")
        for kind, (n, secs) in sorted(diff.items(), key=lambda kv: -kv[1][0])[:10]:
            print(f"    {n / requests:5.2f}  {secs / max(n, 1) * 1000:5.2f} ms each  {kind}")


async def run_phase(c: httpx.AsyncClient, label: str, targets: list[tuple[str, str]],
                    tokens: list[tuple[str, str]], requests: int, concurrency: int, mongo_url: str,
                    ops: StoreOps | None = None) -> Counter[str]:
    """`requests` requests, the i-th by user i mod |users| on target i mod |targets|."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    next_i = iter(range(requests))

    async def worker() -> None:
        for i in next_i:
            (_, token), (event_id, reward_id) = tokens[i % len(tokens)], targets[i % len(targets)]
            t0 = time.perf_counter()
            r = await c.post(f"/events/{event_id}/request-reward", json={"rewardId": reward_id},
                             headers={"Authorization": f"Bearer {token}"})
            latencies.append(time.perf_counter() - t0)
            outcomes[r.json().get("status", str(r.status_code)) if r.status_code == 201 else str(r.status_code)] += 1

    store_before = await store_ping_rate(mongo_url)
    ops_before = await ops.totals() if ops else {}
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ops_after = await ops.totals() if ops else {}
    store_after = await store_ping_rate(mongo_url)
    print(f"{label}: {requests / elapsed:,.0f} requests/s at concurrency {concurrency}, "
          f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.0f} ms; outcomes {dict(outcomes)}; "
          f"raw store ping {store_before:,.0f}/s before, {store_after:,.0f}/s after")
    StoreOps.report(ops_before, ops_after, requests)
    return outcomes


async def bench(url: str, mongo_url: str, database: str, args: argparse.Namespace, ops: StoreOps | None) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    store = MongoEventStore(client[database])
    await create_admin_main(store, "bench-admin@example.com", PASSWORD)
    limits = httpx.Limits(max_connections=args.concurrency + 8)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as c:
        _, admin_token = await login(c, "bench-admin@example.com")
        tokens, spread, hot = await setup(c, admin_token, args.users, args.events, args.hot_stock)
        await run_phase(c, "warm-up", spread, tokens, 300, args.concurrency, mongo_url)
        await run_phase(c, f"spread over {len(spread)} event rewards", spread, tokens, args.requests,
                        args.concurrency, mongo_url, ops)
        outcomes = await run_phase(c, "hot spot (one event reward, stock "
                                      f"{args.hot_stock:,})", [hot], tokens, args.hot_requests, 32, mongo_url, ops)
        grants = 0
        position = 1
        while batch := await store.read_all(position, 5000):
            grants += sum(1 for e in batch if e.type == "RewardGranted" and e.stream_id == f"Event-{hot[0]}")
            position = batch[-1].position + 1
        admin = {"Authorization": f"Bearer {admin_token}"}
        listed = await _ok(await c.get(f"/events/{hot[0]}/rewards", headers=admin))
        remaining = listed["items"][0]["remaining"]
        print(f"hot spot check: {grants:,} RewardGranted in the store for stock {args.hot_stock:,} "
              f"(oversell {max(0, grants - args.hot_stock)}), {outcomes.get('APPROVED', 0):,} answered APPROVED, "
              f"remaining {remaining}")
    await store.close()
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--hot-requests", type=int, default=3000)
    parser.add_argument("--hot-stock", type=int, default=1000)
    parser.add_argument("--handlers", type=int, default=None,
                        help="handler replicas (default: as `reward-ledger run`, HANDLER_REPLICAS)")
    parser.add_argument("--count-store-ops", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        base = Path(tmp)
        key_path = base / "keys" / "jwt-ed25519.pem"
        load_or_create_key(key_path)
        if args.count_store_ops:  # the stand-in (and only it) counts its operations
            os.environ["PYTHONPATH"] = os.pathsep.join(
                [str(Path(__file__).parent / "standin_ops"), os.environ.get("PYTHONPATH", "")])
            os.environ["STANDIN_OPS_FILE"] = str(base / "standin-ops.json")
        servers = start_all(base / "servers")
        ops = StoreOps(servers.mongo.process.pid, base / "standin-ops.json") if args.count_store_ops else None
        layout = LayoutSettings() if args.handlers is None else LayoutSettings(handler_replicas=args.handlers)
        parts = run_parts(layout)
        try:
            with parts_running(servers, base, parts, JWT_PRIVATE_KEY_PATH=str(key_path),
                               REGISTRATION_MAX_PER_ADDRESS="0") as platform:
                print(f"processes: {', '.join(' '.join(argv[1:]) for argv, _, _ in parts)}; cores {os.cpu_count()}")
                asyncio.run(bench(platform.url, servers.mongo.url, platform.database, args, ops))
        finally:
            servers.stop()

if __name__ == "__main__":
    main()
