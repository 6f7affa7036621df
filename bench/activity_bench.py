"""Activity facts and conditions: ingestion over NATS and over HTTP, folding into `user_facts`, evaluating a
20-leaf rule, and previewing a rule over 100k users.

    python -m bench.activity_bench [--scale 1.0] [--memory] [--users 100000]

Starts its own servers (file-backed store unless `--memory`), two handler processes in one queue group, the
user_facts projector and the gateway as separate processes, like `reward-ledger run`. The preview's 100k users are
seeded straight into the `user_facts` read model by a generator (not ingested: that would take minutes on the
stand-in), then previewed through HTTP, with the stand-in's bare scan of the same fields timed beside it to show
its share. Bounded: about 70 s at scale 1 on 2 cores, already busy ones included.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from base.nats_auth import GAME_SERVER, GATEWAY, HANDLERS, PROJECTORS, NatsLogin
from bench.e2e_bench import percentile
from bench.ingest_clients import http_ingest, nats_ingest, nats_publish, store_head
from bench.platform import parts_running
from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.activity_facts import DOC_VERSION, Activity, UserFacts
from domain.conditions import parse_condition
from domain.evaluation import evaluate, holds
from domain.user import User
from ops.servers import start_all
from projections.eligibility import partial_facts
from projections.pointers import load_pointer
from projections.replay import replay
from projections.user_facts import UserFactsProjection

SERVICE_TOKEN = "bench-" + uuid.uuid4().hex
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=1, microsecond=0)  # never in the future
KINDS = ["login", "login", "login", "invite", "checkin", "purchase", "level", "quest_completed"]
RULE_20 = {"all": [
    {"login_days": {"min": 3}}, {"login_days": {"min": 2, "consecutive": True}}, {"checkins": {"min": 1}},
    {"any": [{"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}},
             {"purchase_total": {"min": 10}}, {"level": {"min": 30}}]},
    {"not": {"quest_completed": {"questId": "tutorial-skip"}}},
    {"any": [{"quest_completed": {"questId": "q1"}}, {"quest_completed": {"questId": "q2"}},
             {"level": {"min": 10}}, {"invites": {"min": 5}}]},
    {"any": [{"checkins": {"min": 3}}, {"login_days": {"min": 5}}, {"level": {"min": 20}},
             {"purchase_total": {"min": 100, "currency": "USD"}}, {"invites": {"min": 1}},
             {"quest_completed": {"questId": "q3"}}, {"login_days": {"min": 7, "consecutive": True}}]},
]}
PREVIEW_RULE = {"all": [{"login_days": {"min": 3}},
                        {"any": [{"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}


def report(rng: random.Random, run: str, n: int, users: int) -> dict[str, Any]:
    kind = rng.choice(KINDS)
    body: dict[str, Any] = {"id": f"{run}-{n}", "userId": f"user-{rng.randrange(users)}", "kind": kind,
                            "occurredAt": (TODAY - timedelta(days=rng.randrange(14))).isoformat()}
    if kind == "purchase":
        body |= {"amount": rng.randrange(100, 20_000), "currency": rng.choice(["KRW", "USD"])}
    elif kind == "level":
        body["amount"] = rng.randrange(1, 60)
    elif kind == "quest_completed":
        body["questId"] = rng.choice(["q1", "q2", "q3"])
    return body


async def register_players(db: Any, users: int) -> None:
    """Reports name players `user-0`..: they must exist (reports for unknown users are refused)."""
    store = MongoEventStore(db)
    await store.ensure_indexes()

    async def one(n: int) -> None:
        user = User(f"user-{n}")
        user.register(f"user-{n}@bench.test", "not-a-hash", datetime.now(UTC))
        await store.append(NewCommit(User.stream_id(user.id), 0, user.collect_events()))

    await asyncio.gather(*(one(n) for n in range(users)))
    await store.close()


async def fold_lag(db: Any, limit_seconds: float = 60) -> float:
    """Seconds until the user_facts projector has folded the store's head."""
    head, started = await store_head(db), time.perf_counter()
    while True:
        if (await load_pointer(db, "user_facts")).position >= head:
            break
        if time.perf_counter() - started > limit_seconds:
            raise TimeoutError("user_facts projector did not catch up")
        await asyncio.sleep(0.02)
    return time.perf_counter() - started


def evaluation_rate(seconds: float = 3.0) -> tuple[float, float, float]:
    """Pure domain, the 20-leaf rule: evaluations/s on one period view with the explanation, the same with a fresh
    view of a 200-activity user each time, and `holds` (eligibility only)."""
    rng = random.Random(3)
    facts = UserFacts("u")
    for n in range(200):
        body = report(rng, "e", n, 1) | {"userId": "u"}
        facts.apply(Activity.model_validate({"amount": 1, **body}))
    condition = parse_condition(RULE_20)
    start = TODAY - timedelta(days=14)
    view = facts.view(start)
    work = [lambda: evaluate(condition, view), lambda: evaluate(condition, facts.view(start)),
            lambda: holds(condition, view)]
    rates = []
    for step in work:
        n, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds / len(work):
            for _ in range(200):
                step()
            n += 200
        rates.append(n / (time.perf_counter() - started))
    return rates[0], rates[1], rates[2]


def seeded_doc(rng: random.Random, n: int) -> dict[str, Any]:
    """A user_facts document like a few weeks of play: ~5-14 login days, some invites, purchases and levels."""
    days = sorted({(TODAY - timedelta(days=rng.randrange(30))).date() for _ in range(rng.randrange(5, 15))})
    day = lambda: (TODAY - timedelta(days=rng.randrange(30))).date().isoformat()  # noqa: E731
    purchases = sorted({(day(), rng.choice(["KRW", "USD"])): rng.randrange(100, 9000)
                        for _ in range(rng.randrange(0, 4))}.items())
    user = f"seed-{n:06d}"
    return {"_id": user, "_pos": 0, "docVersion": DOC_VERSION, "userId": user,
            "loginDates": [d.isoformat() for d in days],
            "invitesPerDay": sorted([[day(), rng.randrange(1, 3)] for _ in range(rng.randrange(0, 3))]),
            "checkinsPerDay": sorted([[day(), 1] for _ in range(rng.randrange(0, 3))]),
            "purchasesPerDay": [[d, c, amount] for (d, c), amount in purchases],
            "questsCompleted": [], "levels": [[(TODAY - timedelta(days=20)).isoformat(), rng.randrange(1, 40)]]}


async def seed_user_facts(db: Any, users: int) -> tuple[Any, float]:
    coll = db[(await load_pointer(db, "user_facts")).collection]
    rng, started = random.Random(11), time.perf_counter()
    for first in range(0, users, 2000):
        await coll.insert_many([seeded_doc(rng, n) for n in range(first, min(users, first + 2000))], ordered=False)
    return coll, time.perf_counter() - started


async def scan_only(coll: Any, count: int = 20_000) -> tuple[float, list[dict[str, Any]]]:
    """Seconds to read the preview's fields of `count` users and do nothing with them (the store's share), and the
    documents read."""
    started = time.perf_counter()
    docs = await coll.find({}, {"loginDates": 1, "invitesPerDay": 1, "purchasesPerDay": 1},
                           batch_size=5000).limit(count).to_list()
    return time.perf_counter() - started, docs


def evaluate_docs(docs: list[dict[str, Any]]) -> float:
    """Microseconds per user for the preview's own work on documents already in memory (from_doc, view, holds)."""
    condition, start = parse_condition(PREVIEW_RULE), TODAY - timedelta(days=14)
    started = time.perf_counter()
    for doc in docs:
        holds(condition, partial_facts(doc).view(start))
    return (time.perf_counter() - started) / len(docs) * 1e6


async def operator_token(url: str, env: dict[str, str]) -> dict[str, str]:
    email, password = f"bench-{uuid.uuid4().hex[:8]}@example.com", "bench-admin-pass-1"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "ops.cli", "admin", "create", "--email", email,
                                                "--password-stdin", env=env, stdin=subprocess.PIPE,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await proc.communicate(f"{password}\n".encode())
    async with httpx.AsyncClient(base_url=url) as c:
        login = await c.post("/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['accessToken']}"}


def line(label: str, rate: float, latencies: list[float] | None = None) -> str:
    extra = (f", p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
             if latencies else "")
    return f"{label:58} {rate:>9,.0f} facts/s{extra}"


async def bench(env: dict[str, str], url: str, scale: float, users: int, game: NatsLogin) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(env["MONGO_URL"], tz_aware=True)
    db, rng, run = client[env["MONGO_DB"]], random.Random(7), uuid.uuid4().hex[:6]
    n = lambda k: max(100, int(k * scale))  # noqa: E731
    batches = iter(range(10**9))

    def reports(count: int) -> list[dict[str, Any]]:
        tag = f"{run}{next(batches)}"
        return [report(rng, tag, i, 1000) for i in range(count)]

    await register_players(db, 1000)
    await nats_ingest(env["NATS_URL"], reports(200), 32, game)  # warm-up
    rate, lat = await nats_ingest(env["NATS_URL"], reports(n(2000)), 64, game)
    print(line(f"NATS request-reply, 64 in flight ({n(2000):,} facts)", rate, lat))
    rate = await nats_publish(env["NATS_URL"], reports(n(2000)), db, game)
    print(line(f"NATS fire-and-forget, until all stored ({n(2000):,})", rate))
    for connections in (8, 32):
        rate, lat = await http_ingest(url, SERVICE_TOKEN, reports(n(800)), connections)
        print(line(f"HTTP POST /activities, {connections} connections ({n(800):,})", rate, lat))
    dupes = reports(n(500))
    await nats_ingest(env["NATS_URL"], dupes, 64, game)
    rate, lat = await nats_ingest(env["NATS_URL"], dupes, 64, game)
    print(line(f"NATS duplicates (same ids again, {n(500):,})", rate, lat))
    print(f"{'user_facts projector caught up after the last report in':58} {await fold_lag(db):>9.2f} s")
    store = MongoEventStore(db)
    started = time.perf_counter()
    _, position = await replay(db, store, UserFactsProjection(), drop_after=0)
    folded = (await db.commits.count_documents({"stream": {"$regex": "^Activity-"}})) / (time.perf_counter() - started)
    print(f"{f'user_facts replay (fold in batches) to position {position:,}':58} {folded:>9,.0f} facts/s")

    plain, with_view, counted = evaluation_rate()
    print(f"{'20-leaf rule, evaluate with explanation (pure domain)':58} {plain:>9,.0f} evaluations/s")
    print(f"{'20-leaf rule, holds (eligibility only, short-circuit)':58} {counted:>9,.0f} evaluations/s")
    print(f"{'20-leaf rule, period view of 200 activities + evaluate':58} {with_view:>9,.0f} evaluations/s")

    coll, seeded = await seed_user_facts(db, users)
    label = f"seeded {users:,} users into user_facts directly (generator)"
    print(f"{label:58} {seeded:>9.1f} s")
    headers = await operator_token(url, env)
    async with httpx.AsyncClient(base_url=url, timeout=120) as c:
        started = time.perf_counter()
        response = await c.post("/conditions/preview", headers=headers, json={
            "condition": PREVIEW_RULE, "periodStart": (TODAY - timedelta(days=14)).isoformat()})
        assert response.status_code == 200, response.text
        body = response.json()
    label = f"preview via HTTP: {body['users']:,} users, {body['eligible']:,} eligible"
    print(f"{label:58} {time.perf_counter() - started:>9.2f} s (in the gateway {body['tookMs'] / 1000:.2f} s)")
    scan, docs = await scan_only(coll)
    print(f"{'  the stand-in alone reading those fields':58} {scan / len(docs) * 1e6:>9.1f} µs/user "
          f"(= {scan / len(docs) * users:.1f} s per {users:,})")
    per_user = evaluate_docs(docs)
    print(f"{'  the evaluation alone, documents in memory':58} {per_user:>9.1f} µs/user "
          f"(= {per_user * users / 1e6:.1f} s per {users:,})")
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the ingestion workloads")
    parser.add_argument("--users", type=int, default=100_000, help="users seeded for the preview")
    parser.add_argument("--memory", action="store_true", help="the stand-in on in-memory SQLite")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="activity-bench-") as tmp:
        base = Path(tmp)
        servers = start_all(base / "servers", memory_store=args.memory)
        parts = [(["ops.cli", "handlers"], HANDLERS, f"h{i}.log") for i in range(2)]
        parts += [(["ops.cli", "projectors", "user_facts"], PROJECTORS, "projectors.log"),
                  (["ops.cli", "gateway"], GATEWAY, "gateway.log")]
        try:
            with parts_running(servers, base, parts, SERVICE_TOKEN=SERVICE_TOKEN, COOKIE_SECURE="false") as platform:
                kind = "in-memory" if args.memory else "file"
                print(f"servers and parts up in {time.perf_counter() - started:.1f} s (stand-in on {kind} SQLite; "
                      "2 handler processes, 1 user_facts projector, 1 gateway)\n")
                asyncio.run(bench(platform.env, platform.url, args.scale, args.users,
                                  servers.nats_credentials().connect_kwargs(GAME_SERVER)))
        finally:
            servers.stop()
    print(f"\nwhole run {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
