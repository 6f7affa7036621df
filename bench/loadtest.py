"""`make loadtest`: the original system's five k6 scenarios at once, open loop, against a running platform.

    python -m bench.loadtest [--url URL] [--scale 1] [--duration 120] [--users 200] [--json FILE] [--strict]

| scenario | request | rate at 1x | p95 bound |
|---|---|---|---|
| reward-requests | POST /events/{eventId}/request-reward as a USER | 50/s | 150 ms |
| event-creation | POST /events as an OPERATOR | 30/s | 250 ms |
| event-listing | GET /events?page=&limit= | 20/s | 150 ms |
| event-listing-in-period | GET /events?inPeriod=true&page= | 10/s | 150 ms |
| event-reward-listing | GET /events/{eventId}/rewards | 20/s | 120 ms |
| reward-attach | POST /events/{eventId}/rewards as an OPERATOR | 8/s | 150 ms |

The platform is the one `reward-ledger run` started with the same DATA_DIR (its run.json names the gateway) unless
`--url` names one. Accounts are seed-demo's (`reward-ledger seed-demo --users K` first): `operator@demo.test` and
`player001@demo.test`..., password `demo-pass-1`.

Set-up, before the clock starts and not measured: the operator and K players log in, at most `LOGIN_CONCURRENCY`
at once. Why that bound: the gateway's login throttle takes a slot per attempt in the client address's counter
(`LOGIN_MAX_FAILURES_ADDRESS`, default 20) and gives it back when the password was right, so successful logins from
one address never run into it unless more than 20 are in flight at once; failed ones do count, which is why a
missing player stops the set-up at the first 401 (exit 2) instead of spending the address's budget. Then the driver
makes its own working set through the API: promotions (ACTIVE, in period, one reward each, `autoResolve`, condition
`login_days >= 1`, stock and `perUserLimit` far above what the run can request) for the reward requests, and
catalogue rewards plus target events so that every attach of the run is a fresh (event, reward) pair.

Output: one row per scenario (target and achieved rate, requests sent, p50/p95/p99 of every answered request, the
bound, late starts, errors by status or kind; PASS = p95 under the bound and no error), a summary line and the
driver's own CPU, which shares the machine's cores with the platform. Exit 0 when it ran, 1 with `--strict` when it
did not hold, 2 when the set-up failed (one line on stderr). Access tokens live `ACCESS_TOKEN_TTL_SECONDS` (default
900 s): a longer `--duration` needs a longer TTL on the platform.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from base.settings import MongoSettings, pid_alive, run_file
from bench.loadtest_run import Request, Row, Scenario, Tally, play, row, table, verdict
from bench.store_rates import store_rates
from ops.seed_demo import DEMO_PASSWORD, bounded

LOGIN_CONCURRENCY = 8  # well under the per-address in-flight budget (LOGIN_MAX_FAILURES_ADDRESS, default 20)
SETUP_CONCURRENCY = 8
POOL_REWARDS = 25  # catalogue rewards the attach scenario pairs with its target events
PER_USER_LIMIT = 1000  # the most the domain allows (MAX_PER_USER)
STOCK = 10**9  # MAX_STOCK
CONDITION = {"login_days": {"min": 1}}
RATES = {"reward-requests": 50.0, "event-creation": 30.0, "event-listing": 20.0, "event-listing-in-period": 10.0,
         "event-reward-listing": 20.0, "reward-attach": 8.0}


class SetupError(Exception):
    """The set-up could not log in or build its working set: nothing was measured. `retry_after`: a 429's wait."""

    def __init__(self, message: str, status: int | None = None, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@dataclass(frozen=True)
class WorkingSet:
    operator: str  # access tokens
    players: list[str]
    promotions: list[tuple[str, str]]  # (event id, reward id) open to requests
    targets: list[str]  # events the attach scenario attaches pool rewards to
    pool: list[str]
    listed: list[str]  # event ids whose rewards get listed
    pages: int
    period_pages: int


async def call(session: aiohttp.ClientSession, method: str, path: str, token: str | None = None,
               body: dict[str, Any] | None = None, expect: int = 200) -> dict[str, Any]:
    """One set-up request; anything but `expect` is a SetupError naming the request and the answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with session.request(method, path, json=body, headers=headers) as response:
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SetupError(f"{method} {path}: {exc!r}") from exc
    if response.status != expect:
        retry_after = float(response.headers.get("Retry-After", "0") or 0)
        raise SetupError(f"{method} {path}: {response.status} {text[:200]}", response.status, retry_after)
    answer: dict[str, Any] = json.loads(text)
    return answer


async def login(session: aiohttp.ClientSession, email: str, password: str) -> str:
    """An access token; a 429 (failures from this address, ours or another client's) is waited out as its
    Retry-After says, up to a minute, twice at most."""
    for _ in range(3):
        try:
            answer = await call(session, "POST", "/auth/login", body={"email": email, "password": password})
            return str(answer["accessToken"])
        except SetupError as exc:
            if exc.status != 429 or exc.retry_after > 60:
                hint = " (seed the players first: reward-ledger seed-demo --users K)" if exc.status == 401 else ""
                raise SetupError(f"{email} cannot log in: {exc}{hint}") from exc
            await asyncio.sleep(exc.retry_after or 1)
    raise SetupError(f"{email}: login still throttled (429); see LOGIN_MAX_FAILURES_ADDRESS")


def event_body(name: str, now: datetime, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "description": "made by the load test",
                            "periodStart": (now - timedelta(days=30)).isoformat().replace("+00:00", "Z"),
                            "periodEnd": (now + timedelta(days=30)).isoformat().replace("+00:00", "Z")}
    return {**body, "rewardCondition": condition} if condition else body


async def set_up(session: aiohttp.ClientSession, args: argparse.Namespace, run: str) -> WorkingSet:
    operator = await login(session, args.operator, args.password)
    players = await bounded([login(session, args.players.format(n=n), args.password)
                             for n in range(1, args.users + 1)], LOGIN_CONCURRENCY)
    now = datetime.now(UTC)

    async def reward(name: str) -> str:
        return str((await call(session, "POST", "/rewards/point", operator, {"name": name, "points": 10},
                               expect=201))["id"])

    async def event(name: str) -> str:
        return str((await call(session, "POST", "/events", operator, event_body(name, now), expect=201))["id"])

    async def promotion(n: int) -> tuple[str, str]:
        event_id, reward_id = await event(f"Load promotion {run}-{n}"), await reward(f"Load prize {run}-{n}")
        await call(session, "POST", f"/events/{event_id}/rewards", operator,
                   {"rewardId": reward_id, "condition": CONDITION, "autoResolve": True, "stock": STOCK,
                    "perUserLimit": PER_USER_LIMIT}, expect=201)
        return event_id, reward_id

    # Enough promotions that no (user, promotion) pair comes near perUserLimit, even with an unlucky draw.
    requests = RATES["reward-requests"] * args.scale * args.duration
    promotions = await bounded([promotion(n) for n in range(max(8, math.ceil(4 * requests / (len(players) *
                                                                                          PER_USER_LIMIT))))],
                               SETUP_CONCURRENCY)
    pool = await bounded([reward(f"Load pool {run}-{n}") for n in range(POOL_REWARDS)], SETUP_CONCURRENCY)
    attaches = max(1, int(RATES["reward-attach"] * args.scale * args.duration))
    targets = await bounded([event(f"Load target {run}-{n}") for n in range(math.ceil(attaches / POOL_REWARDS))],
                            SETUP_CONCURRENCY)
    listing = await call(session, "GET", "/events?limit=20", operator)
    period = await call(session, "GET", "/events?inPeriod=true&limit=20", operator)
    listed = [e for e, _ in promotions] + targets + [item["id"] for item in listing["items"]]
    return WorkingSet(operator, players, promotions, targets, pool, listed,
                      max(1, min(5, math.ceil(listing["total"] / 20))), max(1, min(3, math.ceil(period["total"] / 20))))


def scenarios(ws: WorkingSet, run: str, seed: int) -> list[Scenario]:
    """The six rows. Each request draws its user, promotion, page or event from a seeded generator, as k6 scripts
    draw from shared arrays; attach pairs walk targets fastest, so consecutive attaches land on different events."""
    rng = random.Random(seed)
    now = datetime.now(UTC)

    def reward_request(i: int) -> Request:
        event_id, reward_id = rng.choice(ws.promotions)
        return Request("POST", f"/events/{event_id}/request-reward", rng.choice(ws.players), {"rewardId": reward_id})

    def event_creation(i: int) -> Request:
        condition = CONDITION if i % 3 == 0 else None
        return Request("POST", "/events", ws.operator, event_body(f"Load event {run}-{i}", now, condition))

    def reward_attach(i: int) -> Request:
        event_id, reward_id = ws.targets[i % len(ws.targets)], ws.pool[i // len(ws.targets) % len(ws.pool)]
        return Request("POST", f"/events/{event_id}/rewards", ws.operator,
                       {"rewardId": reward_id, "autoResolve": i % 2 == 0, "stock": 1000})

    return [
        Scenario("reward-requests", "POST /events/{id}/request-reward", RATES["reward-requests"], 150, reward_request),
        Scenario("event-creation", "POST /events", RATES["event-creation"], 250, event_creation),
        Scenario("event-listing", "GET /events?page=&limit=", RATES["event-listing"], 150,
                 lambda i: Request("GET", f"/events?page={rng.randint(1, ws.pages)}&limit=20", rng.choice(ws.players))),
        Scenario("event-listing-in-period", "GET /events?inPeriod=true", RATES["event-listing-in-period"], 150,
                 lambda i: Request("GET", f"/events?inPeriod=true&page={rng.randint(1, ws.period_pages)}&limit=20",
                                   rng.choice(ws.players))),
        Scenario("event-reward-listing", "GET /events/{id}/rewards", RATES["event-reward-listing"], 120,
                 lambda i: Request("GET", f"/events/{rng.choice(ws.listed)}/rewards", rng.choice(ws.players))),
        Scenario("reward-attach", "POST /events/{id}/rewards", RATES["reward-attach"], 150, reward_attach),
    ]


async def load(args: argparse.Namespace) -> tuple[list[Row], dict[str, Any]]:
    run = uuid.uuid4().hex[:6]
    connector = aiohttp.TCPConnector(limit=args.connections, limit_per_host=args.connections)
    async with aiohttp.ClientSession(args.url, connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=args.timeout)) as session:
        ws = await set_up(session, args, run)
        plays = scenarios(ws, run, args.seed)
        tallies = [Tally() for _ in plays]
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.1
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(play(session, s, s.rate * args.scale, t0, args.duration, t)
                               for s, t in zip(plays, tallies, strict=True)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rows = [row(s, s.rate * args.scale, t0, args.duration, t) for s, t in zip(plays, tallies, strict=True)]
    sent = sum(r.sent for r in rows)
    return rows, {"cpuSeconds": round(cpu, 2), "wallSeconds": round(wall, 2), "cpuShare": round(cpu / wall, 3),
                  "cpuMsPerRequest": round(cpu * 1000 / max(1, sent), 3), "users": len(ws.players),
                  "promotions": len(ws.promotions), "targetEvents": len(ws.targets), "poolRewards": len(ws.pool)}


class PartsCpu:
    """CPU seconds each process of a `reward-ledger run` (its children: servers and parts) spends, from /proc."""

    def __init__(self, pids: dict[int, str]) -> None:
        self.pids, self.start = pids, self._now(pids)

    @classmethod
    def of(cls, run_pid: object) -> PartsCpu:
        pids: dict[int, str] = {}
        children = Path(f"/proc/{run_pid}/task/{run_pid}/children")
        if isinstance(run_pid, int) and children.exists():
            for pid in map(int, children.read_text().split()):
                with contextlib.suppress(OSError):
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                    words = [a.decode() for a in argv if a]
                    name = " ".join(words[words.index("ops.cli") + 1:]) if "ops.cli" in words else words[0]
                    pids[pid] = Path(name).name if "/" in name else name
        return cls(pids)

    @staticmethod
    def _now(pids: dict[int, str]) -> dict[int, float]:
        ticks, now = os.sysconf("SC_CLK_TCK"), {}
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                now[pid] = (int(fields[11]) + int(fields[12])) / ticks
        return now

    def spent(self) -> dict[str, float]:
        end = self._now(self.pids)
        return {self.pids[pid]: round(end[pid] - self.start[pid], 2) for pid in end if pid in self.start}


def running_platform() -> dict[str, Any]:
    """The run.json of the `reward-ledger run` in DATA_DIR: its gateway, servers and pid."""
    path = run_file()
    if not path.exists():
        raise SetupError(f"no running platform: {path} does not exist (start `reward-ledger run`, or pass --url)")
    info: dict[str, Any] = json.loads(path.read_text())
    if isinstance(info.get("pid"), int) and not pid_alive(info["pid"]):
        raise SetupError(f"{path} is stale: the `reward-ledger run` that wrote it is gone")
    return info


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n")[0])
    p.add_argument("--url", help="the gateway (default: the one in DATA_DIR/run.json)")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies every rate (default 1)")
    p.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120)")
    p.add_argument("--users", type=int, default=200, help="players to log in (default 200)")
    p.add_argument("--operator", default="operator@demo.test")
    p.add_argument("--players", default="player{n:03d}@demo.test", help="player email, n = 1..users")
    p.add_argument("--password", default=DEMO_PASSWORD)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds before a request counts as a timeout")
    p.add_argument("--connections", type=int, default=2000, help="the shared connector's limit")
    p.add_argument("--seed", type=int, default=1, help="seeds the draws of users, promotions, pages")
    p.add_argument("--store-url", help="the platform's store, for its raw rates before and after the load "
                   "(default: the one in DATA_DIR/run.json; none with --url)")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--strict", action="store_true", help="exit 1 when it does not hold")
    args = p.parse_args(argv)
    if args.scale <= 0 or args.duration <= 0 or args.users < 1:
        p.error("--scale and --duration must be > 0, --users >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        platform = {} if args.url else running_platform()
        args.url = (args.url or str(platform["gateway"])).rstrip("/")
        store_url = args.store_url or platform.get("servers", {}).get("MONGO_URL")
        before = asyncio.run(store_rates(store_url, MongoSettings(url=store_url).database)) if store_url else None
        parts = PartsCpu.of(platform.get("pid"))
        rows, driver = asyncio.run(load(args))
        spent = parts.spent()
        after = asyncio.run(store_rates(store_url, MongoSettings(url=store_url).database)) if store_url else None
    except SetupError as exc:
        print(f"loadtest: set-up failed: {exc}", file=sys.stderr)
        return 2
    summary = verdict(rows, args.scale, args.duration)
    print(table(rows))
    print(summary)
    print(f"driver CPU: {driver['cpuSeconds']:.1f} s over {driver['wallSeconds']:.1f} s wall "
          f"({driver['cpuShare']:.0%} of one core), {driver['cpuMsPerRequest']:.2f} ms per request")
    if spent:
        wall = driver["wallSeconds"]
        print("platform CPU (share of one core, set-up included): " + ", ".join(
            f"{name} {seconds / wall:.0%}" for name, seconds in spent.items()))
        driver["platformCpuSeconds"] = spent
    for label, rates in (("before", before), ("after", after)):
        if rates is not None:
            print(f"{rates.line()} ({label})")
            driver[f"store{label.title()}"] = rates.__dict__
    holds = all(r.passed for r in rows)
    if args.json:
        args.json.write_text(json.dumps({"url": args.url, "scale": args.scale, "durationSeconds": args.duration,
                                         "rows": [r.as_json() for r in rows], "holds": holds, "summary": summary,
                                         "driver": driver}, indent=2) + "\n")
    return 1 if args.strict and not holds else 0


if __name__ == "__main__":
    sys.exit(main())
