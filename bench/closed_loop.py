"""One request kind alone, closed loop: `--connections` clients each send the next request as soon as the last one
answered, for `--duration` seconds; prints the rate, p50/p95/p99 and errors, the driver's CPU, and the store's raw
rates beside them (bench/store_rates.py on the platform's own store). The load test's companion: where the open-loop
profile says whether the original's rates hold, this says how far one route goes alone.

    python -m bench.closed_loop {list-events,create-event,list-in-period,list-event-rewards,dashboard,
                                 dashboard-hours,dashboard-days,dashboard-weeks,audit,audit-type,audit-range,history}
                                [--connections 8 32] [--duration 20] [--url URL] [--operator EMAIL]

The dashboard kinds: `/dashboard`, and the largest timelines allowed (`MAX_BUCKETS` buckets ending now): user
analytics by the hour (41 days), reward analytics by the day (2.7 years), event analytics by the week. The audit
kinds (`--operator auditor@demo.test`): the first page unfiltered, page 5 of the most common type and of the last 7
days, and a promotion's history.

Against the `reward-ledger run` of DATA_DIR (its run.json) unless `--url`; signs in as seed-demo's operator."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp

from base.settings import MongoSettings
from bench.e2e_bench import percentile
from bench.loadtest import SetupError, login, running_platform
from bench.loadtest_run import Request, Tally, _send
from bench.store_rates import store_rates
from domain.clock import iso
from ops.seed_demo import DEMO_PASSWORD
from projections.dashboard_buckets import MAX_BUCKETS

START = "2026-01-01T00:00:00Z"


def request_of(kind: str, token: str, event_id: str) -> Request:
    match kind:
        case "create-event":
            return Request("POST", "/events", token, {"name": f"closed-loop {uuid.uuid4().hex[:8]}",
                                                      "periodStart": START})
        case "list-in-period":
            return Request("GET", "/events?inPeriod=true", token)
        case "list-event-rewards":
            return Request("GET", f"/events/{event_id}/rewards", token)
        case "dashboard":
            return Request("GET", "/dashboard", token)
        case "dashboard-hours":
            return Request("GET", f"/dashboard/user-analytics?bucket=hour&from={_ago(hours=MAX_BUCKETS - 1)}", token)
        case "dashboard-days":
            return Request("GET", f"/dashboard/reward-analytics?bucket=day&from={_ago(days=MAX_BUCKETS - 1)}", token)
        case "dashboard-weeks":
            return Request("GET", f"/dashboard/event-analytics?bucket=week&from={_ago(weeks=MAX_BUCKETS - 1)}", token)
        case "audit":  # the audit kinds need an ADMIN or AUDITOR: --operator auditor@demo.test
            return Request("GET", "/audit", token)
        case "audit-type":  # the most common type: the largest folded total and the longest index walk
            return Request("GET", "/audit?type=UserActivityRecorded&page=5", token)
        case "audit-range":
            return Request("GET", f"/audit?from={_ago(days=7)}&page=5", token)
        case "history":
            return Request("GET", f"/events/{event_id}/history", token)
        case _:
            return Request("GET", "/events", token)


def _ago(**delta: int) -> str:
    """A `from` that many hours or days before now (`to` defaults to now), URL-safe (`Z`, no `+`)."""
    return str(iso(datetime.now(UTC) - timedelta(**delta)))


async def measure(url: str, kind: str, connections: int, duration: float, operator: str) -> str:
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(url, connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as session:
        token = await login(session, operator, DEMO_PASSWORD)
        async with session.get("/events", headers={"Authorization": f"Bearer {token}"}) as first:
            items = (await first.json())["items"]
        event_id = items[0]["id"] if items else "none"
        tally, stop = Tally(), time.perf_counter() + duration
        cpu, started = time.process_time(), time.perf_counter()

        async def client() -> None:
            while time.perf_counter() < stop:
                tally.sent += 1
                await _send(session, request_of(kind, token, event_id), tally)

        await asyncio.gather(*(client() for _ in range(connections)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    lat = tally.latencies or [float("nan")]
    errors = ", ".join(f"{k}: {n}" for k, n in sorted(tally.errors.items())) or "none"
    return (f"{kind:<19} {connections:>3} connections: {tally.ok / wall:7.1f} req/s, p50 {percentile(lat, 0.5):6.1f} "
            f"ms, p95 {percentile(lat, 0.95):6.1f} ms, p99 {percentile(lat, 0.99):6.1f} ms, errors {errors}; "
            f"driver CPU {cpu / wall:.0%} of a core")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.closed_loop", description=__doc__.split("\n\n")[0])
    parser.add_argument("kinds", nargs="+", choices=["list-events", "create-event", "list-in-period",
                                                     "list-event-rewards", "dashboard", "dashboard-hours",
                                                     "dashboard-days", "dashboard-weeks", "audit", "audit-type",
                                                     "audit-range", "history"])
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--url", help="the gateway (default: the one in DATA_DIR/run.json)")
    parser.add_argument("--operator", default="operator@demo.test")
    args = parser.parse_args(argv)
    try:
        platform = {} if args.url else running_platform()
    except SetupError as exc:
        print(f"closed_loop: {exc}", file=sys.stderr)
        return 2
    url = (args.url or str(platform["gateway"])).rstrip("/")
    store = platform.get("servers", {}).get("MONGO_URL")
    if store:
        print(asyncio.run(store_rates(store, MongoSettings(url=store).database)).line() + " (before)")
    for kind in args.kinds:
        for connections in args.connections:
            print(asyncio.run(measure(url, kind, connections, args.duration, args.operator)), flush=True)
    if store:
        print(asyncio.run(store_rates(store, MongoSettings(url=store).database)).line() + " (after)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
