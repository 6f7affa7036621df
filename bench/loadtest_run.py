"""The open-loop engine of `bench.loadtest`: scenarios played on schedule, their tallies, the table and summary.

Open loop, as k6's constant-arrival-rate executor: request i of a scenario is due at t0 + i/rate and starts then,
whether or not earlier ones have answered, so a slow platform meets the same arrivals a real crowd would send (a
closed loop would slow down with it and hide the queue). A start more than `LATE_AFTER` past its due time means the
driver itself fell behind (its own CPU, or the event loop was busy): counted and reported, since those requests
measure less load than asked for.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.e2e_bench import percentile

LATE_AFTER = 0.010  # seconds past its schedule after which a start counts as late


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Scenario:
    """One row of the table: `rate` requests/s at 1x, p95 `bound_ms` (the original's k6 threshold), and
    `request(i)` building the i-th request from the set-up's working set."""

    name: str
    label: str  # what it sends, for the table
    rate: float
    bound_ms: float
    request: Callable[[int], Request]


@dataclass
class Tally:
    """What one scenario's requests did: latencies (ms, every answered request, as k6's http_req_duration),
    errors by kind (an HTTP status, `timeout` or `connection`), starts that were late."""

    sent: int = 0
    ok: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    late: int = 0
    worst_late_ms: float = 0.0
    last_done: float = 0.0


async def _send(session: aiohttp.ClientSession, request: Request, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {request.token}"}
    started = time.perf_counter()
    try:
        async with session.request(request.method, request.path, json=request.body, headers=headers) as response:
            await response.read()
            status = response.status
    except TimeoutError:
        tally.errors["timeout"] += 1
    except aiohttp.ClientError as exc:
        tally.errors["connection" if isinstance(exc, aiohttp.ClientConnectionError) else type(exc).__name__] += 1
    else:
        tally.latencies.append((time.perf_counter() - started) * 1000)
        if 200 <= status < 300:
            tally.ok += 1
        else:
            tally.errors[str(status)] += 1
    tally.last_done = asyncio.get_running_loop().time()


async def play(session: aiohttp.ClientSession, scenario: Scenario, rate: float, t0: float, duration: float,
               tally: Tally) -> None:
    """Start request i at t0 + i/rate for `duration` seconds, each as its own task; return when all have ended."""
    loop = asyncio.get_running_loop()
    in_flight: set[asyncio.Task[None]] = set()

    async def one(i: int, due: float) -> None:
        late = loop.time() - due  # measured where the request really starts, after the loop got round to it
        if late > LATE_AFTER:
            tally.late += 1
            tally.worst_late_ms = max(tally.worst_late_ms, late * 1000)
        await _send(session, scenario.request(i), tally)

    for i in range(max(1, int(rate * duration))):  # at least one, so every row says something
        due = t0 + i / rate
        if (wait := due - loop.time()) > 0:
            await asyncio.sleep(wait)
        tally.sent += 1
        task = asyncio.create_task(one(i, due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.gather(*in_flight)


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    target_rate: float
    achieved_rate: float
    sent: int
    ok: int
    errors: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bound_ms: float
    late: int
    worst_late_ms: float

    @property
    def passed(self) -> bool:
        return self.sent > 0 and not self.errors and self.p95_ms < self.bound_ms

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "request": self.label, "targetRate": self.target_rate,
                "achievedRate": round(self.achieved_rate, 2), "sent": self.sent, "ok": self.ok,
                "errors": self.errors, "p50Ms": _ms(self.p50_ms), "p95Ms": _ms(self.p95_ms),
                "p99Ms": _ms(self.p99_ms), "boundMs": self.bound_ms, "pass": self.passed,
                "late": self.late, "worstLateMs": round(self.worst_late_ms, 1)}


def _ms(value: float) -> float | None:
    """Rounded; None (JSON null) when nothing answered (NaN is not JSON)."""
    return None if math.isnan(value) else round(value, 1)


def row(scenario: Scenario, rate: float, t0: float, duration: float, tally: Tally) -> Row:
    """Achieved rate: successes over the time from t0 to the last answer (at least `duration`), so answers that
    trail past the schedule lower it."""
    elapsed = max(duration, tally.last_done - t0)
    lat = tally.latencies

    def pct(q: float) -> float:
        return percentile(lat, q) if lat else float("nan")

    return Row(scenario.name, scenario.label, rate, tally.ok / elapsed, tally.sent, tally.ok, dict(tally.errors),
               pct(0.50), pct(0.95), pct(0.99), scenario.bound_ms, tally.late, tally.worst_late_ms)


def table(rows: list[Row]) -> str:
    """`late`: starts more than LATE_AFTER past their schedule; `worst`: the latest of them, in ms."""
    head = (f"{'scenario':<24} {'target/s':>8} {'ok/s':>7} {'sent':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'bound':>6} {'late':>5} {'worst':>6}  {'result':<6} errors")
    lines = [head, "-" * len(head)]
    for r in rows:
        errors = ", ".join(f"{kind}: {n}" for kind, n in sorted(r.errors.items())) or "-"
        lines.append(f"{r.name:<24} {r.target_rate:>8.1f} {r.achieved_rate:>7.1f} {r.sent:>6} {r.p50_ms:>7.0f} "
                     f"{r.p95_ms:>7.0f} {r.p99_ms:>7.0f} {r.bound_ms:>6.0f} {r.late:>5} {r.worst_late_ms:>6.0f}  "
                     f"{'PASS' if r.passed else 'FAIL':<6} {errors}")
    return "\n".join(lines)


def verdict(rows: list[Row], scale: float, duration: float) -> str:
    """One line: HOLDS when every row passed, else FAILS with each failing row's reasons."""
    errors = sum(sum(r.errors.values()) for r in rows)
    head = f"loadtest {scale:g}x for {duration:g} s:"
    if all(r.passed for r in rows):
        return f"{head} HOLDS (all {len(rows)} rows under their bound, {errors} errors)"
    reasons = []
    for r in rows:
        if math.isnan(r.p95_ms) or r.p95_ms >= r.bound_ms:  # NaN: nothing answered
            reasons.append(f"{r.name} p95 {r.p95_ms:.0f} ms > {r.bound_ms:.0f} ms")
        if r.errors:
            reasons.append(f"{r.name} {sum(r.errors.values())} errors")
        if r.sent == 0:
            reasons.append(f"{r.name} sent nothing")
    return f"{head} FAILS: {'; '.join(reasons)}"
