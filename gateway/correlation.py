"""Correlation id and request metrics (ASGI middleware): every answer carries `X-Correlation-Id`, every request is
timed by its route template."""

from __future__ import annotations

import time
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp

from base.logging import correlation_id
from base.metrics import HTTP_LATENCY
from gateway.asgi import Message, Receive, Scope, Send, request_header


def correlation_middleware(app: ASGIApp) -> ASGIApp:
    """Take `X-Correlation-Id` or make one; echo it; time the request by its route template."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        cid = (request_header(scope, b"x-correlation-id") or "")[:128] or uuid.uuid4().hex
        token = correlation_id.set(cid)
        scope.setdefault("state", {})["correlation_id"] = cid
        started, status = time.perf_counter(), 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["X-Correlation-Id"] = cid
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            route = scope.get("path_template") or "unmatched"
            HTTP_LATENCY.labels(scope["method"], route, str(status)).observe(time.perf_counter() - started)
            correlation_id.reset(token)

    return middleware
