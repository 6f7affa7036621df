"""Clients the activity benchmark drives the platform with: NATS request-reply and fire-and-forget publishers, and a
raw keep-alive HTTP/1.1 poster (httpx spends more CPU per request than the gateway at 32 connections)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from nats.aio.client import Client as NatsClient

from base.nats_auth import NatsLogin
from commands.store.audit import COMMITS, head_of


async def nats_ingest(url: str, reports: list[dict[str, Any]], in_flight: int,
                      login: NatsLogin) -> tuple[float, list[float]]:
    """Request-reply: each report is confirmed stored (the reply is the command's outcome). `login`: the
    game-server identity's connect arguments."""
    nc = NatsClient()
    await nc.connect(url, **login)
    latencies: list[float] = []
    queue = list(reversed(reports))

    async def worker() -> None:
        while queue:
            body = queue.pop()
            t0 = time.perf_counter()
            reply = json.loads((await nc.request(f"rewards.activity.{body['kind']}", json.dumps(body).encode(),
                                                 timeout=30)).data)
            assert reply["ok"], reply
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.perf_counter() - started
    await nc.close()
    return len(reports) / elapsed, latencies


async def store_head(db: Any) -> int:
    return await head_of(db[COMMITS])


async def nats_publish(url: str, reports: list[dict[str, Any]], db: Any, login: NatsLogin) -> float:
    """Fire-and-forget publishes, timed until the store holds every one (nothing else writes meanwhile, so the
    head moves by exactly one position per new activity)."""
    nc = NatsClient()
    await nc.connect(url, **login)
    goal = await store_head(db) + len(reports)
    started = time.perf_counter()
    for body in reports:
        await nc.publish(f"rewards.activity.{body['kind']}", json.dumps(body).encode())
    await nc.flush()
    while True:  # polled: the store has no notification a client outside the platform can wait on
        if await store_head(db) >= goal:
            break
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    await nc.close()
    return len(reports) / elapsed


async def _post_all(host: str, port: int, token: str, bodies: list[dict[str, Any]], latencies: list[float]) -> None:
    """POST /activities over one keep-alive connection, one request at a time. A raw HTTP/1.1 client: httpx
    spends more CPU per request than the gateway does, and at 32 connections it is what a benchmark measures."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for body in bodies:
            data = json.dumps(body).encode()
            head = (f"POST /activities HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Length: {len(data)}\r\n\r\n")
            t0 = time.perf_counter()
            writer.write(head.encode() + data)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            answer = await reader.readexactly(length)
            assert status == 202, answer
            latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()


async def http_ingest(url: str, token: str, reports: list[dict[str, Any]],
                      connections: int) -> tuple[float, list[float]]:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_post_all(host, int(port), token, reports[i::connections], latencies)
                           for i in range(connections)))
    return len(reports) / (time.perf_counter() - started), latencies
