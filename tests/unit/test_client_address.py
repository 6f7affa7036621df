"""The client address abuse limits count by: a forged X-Forwarded-For changes nothing unless the TCP peer is a
configured proxy (TRUSTED_PROXIES); IPv6 clients count per /64. Served by a real uvicorn with the gateway's options."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar, Request, get

from base.settings import GatewaySettings
from gateway.auth.session import client_address
from ops.parts import proxy_options

FORGED = {"X-Forwarded-For": "203.0.113.9"}


@get("/whoami", sync_to_thread=False)
def whoami(request: Request[Any, Any, Any]) -> str:
    return client_address(request)


@asynccontextmanager
async def uvicorn_serving(settings: GatewaySettings) -> AsyncIterator[str]:
    listening = socket.create_server(("127.0.0.1", 0))  # connects queue in its backlog until uvicorn accepts
    config = uvicorn.Config(Litestar([whoami]), log_config=None, access_log=False, lifespan="off",
                            **proxy_options(settings))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        listening.close()


async def seen_address(settings: GatewaySettings, headers: dict[str, str]) -> str:
    async with uvicorn_serving(settings) as base, httpx.AsyncClient(base_url=base) as client:
        return (await client.get("/whoami", headers=headers)).text


def settings_with(monkeypatch: pytest.MonkeyPatch, trusted: str | None) -> GatewaySettings:
    if trusted is None:
        monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("TRUSTED_PROXIES", trusted)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own knob must not matter either
    return GatewaySettings()


async def test_a_forged_forwarded_header_is_ignored_when_no_proxy_is_trusted(monkeypatch):
    settings = settings_with(monkeypatch, None)
    assert proxy_options(settings)["proxy_headers"] is False
    assert await seen_address(settings, FORGED) == "127.0.0.1"


async def test_a_configured_proxy_names_the_client(monkeypatch):
    settings = settings_with(monkeypatch, "10.0.0.0/8, 127.0.0.1")
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert await seen_address(settings, FORGED) == "203.0.113.9"
    assert await seen_address(settings, {}) == "127.0.0.1"


async def test_a_peer_that_is_not_a_configured_proxy_cannot_forward(monkeypatch):
    settings = settings_with(monkeypatch, "10.1.2.3")
    assert await seen_address(settings, FORGED) == "127.0.0.1"


def request_from(host: str) -> Request[Any, Any, Any]:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b"",
                    "client": (host, 5000)})  # type: ignore[typeddict-item]


@pytest.mark.parametrize(("peer", "counted_as"), [
    ("192.0.2.1", "192.0.2.1"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # one subscriber's block, not 2^64 addresses
    ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
    ("unix-socket", "unix-socket"),
])
def test_the_address_limits_count_by(peer, counted_as):
    assert client_address(request_from(peer)) == counted_as
