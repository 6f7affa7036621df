"""The platform's parts, each a separate process: `reward-ledger gateway|handlers|relay|projectors`.

Each `run_*` entry point takes its part from the composition root (ops/bootstrap.py, whose context managers the
integration tests use in-process), keeps it up until SIGTERM/SIGINT and then stops its clients cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from prometheus_client import start_http_server

from base.settings import GatewaySettings, MetricsSettings
from ops import bootstrap
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


async def run_projectors(names: list[str] | None = None) -> None:
    _serve_metrics()
    async with bootstrap.catch_up(names or None):
        log.info("projectors ready: %s", ", ".join(names or all_projections()))
        await _until_signalled()


async def run_relay() -> None:
    _serve_metrics()
    async with bootstrap.catch_up([], relay=True):
        log.info("relay ready")
        await _until_signalled()


def proxy_options(settings: GatewaySettings) -> dict[str, Any]:
    """uvicorn's forwarded-header handling: only from `TRUSTED_PROXIES`. uvicorn's own default trusts 127.0.0.1 (or
    `FORWARDED_ALLOW_IPS`), which would let any local client name its own address for the abuse limits."""
    return {"proxy_headers": bool(settings.trusted_proxies), "forwarded_allow_ips": list(settings.trusted_proxies)}


def run_gateway() -> None:
    import uvicorn

    settings = GatewaySettings()
    uvicorn.run(bootstrap.gateway_app(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=False, **proxy_options(settings))
