"""Auth throughput: argon2 alone, logins over HTTP, token verification in the gateway, and `GET /auth/me`.

    python -m bench.auth_bench [--seconds 6] [--concurrency 16]

Starts its own servers (ops.servers, in-memory store) and the parts as subprocesses - `reward-ledger gateway` on a
free port (uvicorn), one handler replica, the users projector - so the load generator (this process, httpx) does not
share an interpreter with them. All of it on one machine: the client's own CPU is part of every HTTP figure, which
the `GET /auth/test` row (no token, no store) shows. Whole run: about 40 s."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.platform import parts_running
from commands.passwords import HASHER
from gateway.auth.tokens import TokenService, load_or_create_key
from ops.servers import running, wait_http_ok

PASSWORD = "bench-pass-42"


@dataclass
class Load:
    done: int
    seconds: float
    latencies: list[float]
    errors: int
    server_ms: float = 0.0

    def row(self, name: str) -> str:
        p50, p99 = (statistics.quantiles(self.latencies, n=100)[i] * 1000 for i in (49, 98))
        return (f"{name:<34} {self.done / self.seconds:>9,.0f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
                f"  gateway mean {self.server_ms:5.2f} ms  ({self.done:,} ok, {self.errors} errors)")


async def gateway_seconds(client: httpx.AsyncClient, method: str, route: str) -> tuple[float, float]:
    """(sum, count) of the gateway's own request-latency histogram for one route (its side of the time)."""
    text = (await client.get("/metrics")).text
    labels = f'{{method="{method}",route="{route}",status="200"}}'
    values = {}
    for line in text.splitlines():
        for kind in ("sum", "count"):
            if line.startswith(f"ledger_http_request_seconds_{kind}{labels}"):
                values[kind] = float(line.rsplit(" ", 1)[1])
    return values.get("sum", 0.0), values.get("count", 0.0)


async def measured(client: httpx.AsyncClient, method: str, route: str, work: Awaitable[Load]) -> Load:
    total_before, count_before = await gateway_seconds(client, method, route)
    result = await work
    total, count = await gateway_seconds(client, method, route)
    result.server_ms = 1000 * (total - total_before) / max(1.0, count - count_before)
    return result


async def load(seconds: float, concurrency: int, call: Callable[[int], Awaitable[bool]]) -> Load:
    """`concurrency` workers calling `call(worker)` back to back for `seconds`."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            ok = await call(n)
            latencies.append(time.perf_counter() - started)
            errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return Load(len(latencies) - errors, time.perf_counter() - started, latencies, errors)


def rate(n: int, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(n):
        work()
    return n / (time.perf_counter() - started)


def bench_argon2() -> list[str]:
    digest = HASHER.hash(PASSWORD)
    params = f"argon2id t={HASHER.time_cost}, m={HASHER.memory_cost // 1024} MiB, p={HASHER.parallelism}"
    return [f"{'argon2 hash, one thread':<34} {rate(20, lambda: HASHER.hash(PASSWORD)):>9,.1f}/s  ({params})",
            f"{'argon2 verify, one thread':<34} {rate(20, lambda: HASHER.verify(digest, PASSWORD)):>9,.1f}/s"]


def bench_verify(key_path: Path) -> list[str]:
    tokens = TokenService(load_or_create_key(key_path), "reward-ledger", "reward-ledger-api", 900)
    fresh = [tokens.issue(uuid.uuid4().hex, ["USER"]) for _ in range(3000)]
    pending = iter(fresh)
    cold = rate(len(fresh), lambda: tokens.verify(next(pending)))
    warm = rate(20000, lambda: tokens.verify(fresh[0]))
    return [f"{'token verify, signature checked':<34} {cold:>9,.0f}/s  (EdDSA/Ed25519, pyjwt)",
            f"{'token verify, cached':<34} {warm:>9,.0f}/s  (a token seen before; validity re-checked)"]


async def bench_http(base: str, seconds: float, concurrency: int) -> list[str]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        await asyncio.to_thread(wait_http_ok, f"{base}/health/ready")
        emails = [f"bench-{uuid.uuid4().hex[:10]}@example.com" for _ in range(concurrency)]
        created = await asyncio.gather(*(client.post("/auth/users", json={"email": e, "password": PASSWORD})
                                         for e in emails))
        assert all(r.status_code == 201 for r in created), created[0].text
        tokens: list[str] = []

        async def log_in(n: int) -> bool:
            response = await client.post("/auth/login", json={"email": emails[n], "password": PASSWORD})
            if response.status_code == 200 and len(tokens) < concurrency:
                tokens.append(response.json()["accessToken"])
            return response.status_code == 200

        logins = await measured(client, "POST", "/auth/login", load(seconds, concurrency, log_in))
        position = max(int(r.headers["Ledger-Position"]) for r in created)
        first = await client.get(f"/auth/me?minPosition={position}", headers={"Authorization": f"Bearer {tokens[0]}"})
        assert first.status_code == 200, first.text
        headers = [{"Authorization": f"Bearer {tokens[n % len(tokens)]}"} for n in range(concurrency)]

        async def me(n: int) -> bool:
            return (await client.get("/auth/me", headers=headers[n])).status_code == 200

        async def public(n: int) -> bool:
            return (await client.get("/auth/test")).status_code == 200

        me_load = await measured(client, "GET", "/auth/me", load(seconds, concurrency, me))
        baseline = await measured(client, "GET", "/auth/test", load(seconds / 2, concurrency, public))
    return [logins.row(f"POST /auth/login (c={concurrency})"), me_load.row(f"GET /auth/me (c={concurrency})"),
            baseline.row(f"GET /auth/test (c={concurrency}, baseline)")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each HTTP load phase")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = bench_argon2()
    with tempfile.TemporaryDirectory(prefix="auth-bench-") as tmp, ExitStack() as stack:
        base_dir = Path(tmp)
        rows += bench_verify(base_dir / "verify-key.pem")
        servers = stack.enter_context(running(base_dir / "servers", memory_store=True))
        parts = [(["ops.cli", *argv], argv[0], f"{argv[0]}.log")
                 for argv in (["handlers"], ["projectors", "users"], ["gateway"])]
        platform = stack.enter_context(parts_running(
            servers, base_dir, parts, COOKIE_SECURE="false", LOGIN_MAX_FAILURES_ADDRESS="100000",
            REGISTRATION_MAX_PER_ADDRESS="0"))
        rows += asyncio.run(bench_http(platform.url, args.seconds, args.concurrency))
    print(f"auth bench on {os.cpu_count()} cores; one gateway process, one handler replica, in-memory store stand-in")
    print("\n".join(rows))
    print(f"whole run {time.perf_counter() - started:.1f} s. Logins are bound by argon2 in the handler (verify in a "
          "worker thread, about one core's worth); /auth/me = token check + pointer read + one find_one.")


if __name__ == "__main__":
    main()
