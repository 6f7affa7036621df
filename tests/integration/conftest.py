"""The platform in-process for integration tests: real NATS, store, Redis; handlers, projectors, relay and the
gateway on this event loop, reached through httpx's ASGI transport. Tests about processes use tests/e2e."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient

from gateway.app import create_app
from ops.parts import catch_up_running, handlers_running
from ops.settings import GatewaySettings


@dataclass
class Platform:
    client: httpx.AsyncClient
    db: Any
    env: dict[str, str]


@pytest.fixture
async def platform(server_env: dict[str, str], mongo_db: Any,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("HANDLER_QUEUE", f"q{uuid.uuid4().hex[:8]}")
    app = create_app(GatewaySettings())
    ready, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        # One task enters and exits every context: anyio cancel scopes (the app lifespan) must not change task,
        # and litestar's own test clients run the app in a portal thread, which would block this loop while the
        # gateway waits for a handler that lives on it.
        async with handlers_running(), catch_up_running(relay=True), app.lifespan():
            ready.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client:
        yield Platform(client, mongo_db, server_env)
    stop.set()
    await task
    await _delete_event_stream(server_env["NATS_URL"])


async def _delete_event_stream(url: str) -> None:
    """The JetStream stream is server-wide: drop it so the next test's relay starts from an empty stream."""
    nc = NatsClient()
    await nc.connect(url)
    try:
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream("REWARDS_EVENTS")
    finally:
        await nc.close()
