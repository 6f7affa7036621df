"""The platform's parts, each a separate process: `reward-ledger gateway|handlers|relay|projectors`, and the
downstream example a game server would run, `reward-ledger grant-consumer`.

Each `run_*` entry point takes its part from the composition root (ops/bootstrap.py, whose context managers the
integration tests use in-process), keeps it up until SIGTERM/SIGINT and then stops its clients cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from prometheus_client import start_http_server

from base.nats_auth import GAME_SERVER, identity_settings
from base.settings import GatewaySettings, LayoutSettings, MetricsSettings, MongoSettings
from brokers.grant_consumer import GrantConsumer
from ops import bootstrap
from projections.business_metrics import refreshing
from projections.registry import all_projections

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


async def run_handlers() -> None:
    _serve_metrics()
    async with bootstrap.handlers():
        log.info("command handlers ready")
        await _until_signalled()


async def run_projectors(names: list[str] | None = None, relay: bool = False) -> None:
    """The projection runners; with `relay`, the relay too, in the same process (one fewer process competing for a
    small machine's cores; connected as the `relay` identity, which may also do all a projector does)."""
    _serve_metrics()
    # the business gauges (docs/metrics.md) are read from the read models, on the runners' own client
    async with bootstrap.catch_up(names or None, relay=relay) as db, refreshing(db):
        log.info("projectors ready: %s%s", ", ".join(names or all_projections()), " and the relay" if relay else "")
        await _until_signalled()


async def run_relay() -> None:
    _serve_metrics()
    async with bootstrap.catch_up([], relay=True):
        log.info("relay ready")
        await _until_signalled()


async def run_grant_consumer() -> None:
    """The downstream example (brokers/grant_consumer.py) as its own process, connected as the `game-server`
    identity, applying grants to `game_grants` in the store MONGO_URL names."""
    _serve_metrics()
    nats, mongo = identity_settings(GAME_SERVER), MongoSettings()
    broker, client = bootstrap.nats_broker(nats), bootstrap.mongo_client(mongo)
    try:
        await broker.connect()
        consumer = GrantConsumer(broker.connection.jetstream(), client[mongo.database], nats.stream)
        task = asyncio.create_task(consumer.run_forever())
        log.info("grant consumer ready (durable %s on %s)", consumer.durable, nats.stream)
        await _until_signalled()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.close()
    finally:
        await broker.stop()
        await client.close()


def proxy_options(settings: GatewaySettings) -> dict[str, Any]:
    """uvicorn's forwarded-header handling: only from `TRUSTED_PROXIES`. uvicorn's own default trusts 127.0.0.1 (or
    `FORWARDED_ALLOW_IPS`), which would let any local client name its own address for the abuse limits."""
    return {"proxy_headers": bool(settings.trusted_proxies), "forwarded_allow_ips": list(settings.trusted_proxies)}


def run_gateway() -> None:
    import uvicorn

    settings = GatewaySettings()
    uvicorn.run(bootstrap.gateway_app(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=False, loop=LayoutSettings().event_loop.lower(), http="httptools", **proxy_options(settings))
