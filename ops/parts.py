"""The platform's parts, each a separate process: `reward-ledger gateway|handlers|relay|projectors`.

Each part is an async context manager (also used in-process by the integration tests), and a `run_*` entry point
that keeps it up until SIGTERM/SIGINT and then stops its clients cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client import start_http_server
from pymongo import AsyncMongoClient

from base.nats_auth import HANDLERS, PROJECTORS, RELAY, identity_settings
from base.settings import GatewaySettings, MetricsSettings, MongoSettings, NatsSettings
from base.subjects import APPENDED
from brokers.command_service import HandlerService
from brokers.nats import connect_options, ensure_event_stream, make_broker
from brokers.relay import Relay
from commands.store.mongo import MongoEventStore
from projections.registry import all_projections
from projections.runner import ProjectionRunner

log = logging.getLogger("ledger.parts")


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _serve_metrics() -> None:
    settings = MetricsSettings()
    if settings.port:
        start_http_server(settings.port, addr=settings.host)


@contextlib.asynccontextmanager
async def handlers_running(nats: NatsSettings | None = None) -> AsyncIterator[HandlerService]:
    """Command handlers, connected as `nats` (default: the `handlers` identity)."""
    service = HandlerService(nats or identity_settings(HANDLERS), MongoSettings())
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


@contextlib.asynccontextmanager
async def catch_up_running(projections: list[str] | None = None, relay: bool = False,
                           nats: NatsSettings | None = None) -> AsyncIterator[None]:
    """Projection runners (all, or the named ones; [] for none) and optionally the relay, each woken by the
    APPENDED nudge and polling when idle; connected as `nats` (default: the `relay` identity with the relay, else
    `projectors`)."""
    nats, mongo = nats or identity_settings(RELAY if relay else PROJECTORS), MongoSettings()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url, tz_aware=True)
    db = client[mongo.database]
    store = MongoEventStore(db)
    broker = make_broker(nats.url, **connect_options(nats))
    chosen = [p for n, p in all_projections().items() if projections is None or n in projections]
    workers: list[Any] = [ProjectionRunner(db, store, p) for p in chosen]
    if relay:
        workers.append(Relay(db, store, broker, nats.stream))
    wakes = [asyncio.Event() for _ in workers]

    @broker.subscriber(APPENDED)
    async def nudged() -> None:
        for wake in wakes:
            wake.set()

    await broker.start()
    if relay:
        await ensure_event_stream(broker, nats.stream)
    tasks = [asyncio.create_task(w.run_forever(e)) for w, e in zip(workers, wakes, strict=True)]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            # On Python 3.11 an `asyncio.wait_for` inside a library (nats-py's publish) can swallow a cancel that
            # lands as its inner call completes; the worker then loops on: cancel again until it has ended.
            while not task.done():
                await asyncio.wait([task], timeout=1.0)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await broker.stop()
        await client.close()


async def run_handlers() -> None:
    _serve_metrics()
    async with handlers_running():
        log.info("command handlers ready")
        await _until_signalled()


async def run_projectors(names: list[str] | None = None) -> None:
    _serve_metrics()
    async with catch_up_running(names or None):
        log.info("projectors ready: %s", ", ".join(names or all_projections()))
        await _until_signalled()


async def run_relay() -> None:
    _serve_metrics()
    async with catch_up_running([], relay=True):
        log.info("relay ready, publishing to stream %s", NatsSettings().stream)
        await _until_signalled()


def proxy_options(settings: GatewaySettings) -> dict[str, Any]:
    """uvicorn's forwarded-header handling: only from `TRUSTED_PROXIES`. uvicorn's own default trusts 127.0.0.1 (or
    `FORWARDED_ALLOW_IPS`), which would let any local client name its own address for the abuse limits."""
    return {"proxy_headers": bool(settings.trusted_proxies), "forwarded_allow_ips": list(settings.trusted_proxies)}


def run_gateway() -> None:
    import uvicorn

    from gateway.app import create_app

    settings = GatewaySettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False,
                **proxy_options(settings))
