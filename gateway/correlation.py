"""Correlation id, request metrics and the request log line (ASGI middleware): every answer carries
`X-Correlation-Id`, every request is timed by its route template and logged as one JSON line (docs/logging.md)."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Final

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp

from base.logging import correlation_id
from base.metrics import HTTP_LATENCY
from gateway.asgi import Message, Receive, Scope, Send, request_header

log = structlog.get_logger("ledger.gateway.requests")
#: Probes a scraper or orchestrator calls every few seconds: logged at DEBUG, so LOG_LEVEL=debug shows them and the
#: default INFO log holds what people and clients did.
PROBES: Final = frozenset({"/health/live", "/health/ready", "/metrics"})


def correlation_middleware(app: ASGIApp) -> ASGIApp:
    """Take `X-Correlation-Id` or make one; echo it; time and log the request by its route template."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        cid = (request_header(scope, b"x-correlation-id") or "")[:128] or uuid.uuid4().hex
        token = correlation_id.set(cid)
        state = scope.setdefault("state", {})  # shared with the auth middleware, which puts the principal in it
        state["correlation_id"] = cid
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
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or "unmatched"
            HTTP_LATENCY.labels(scope["method"], route, str(status)).observe(seconds)
            _log_request(scope, state, route, status, seconds)
            correlation_id.reset(token)

    return middleware


def _log_request(scope: Scope, state: dict[str, Any], route: str, status: int, seconds: float) -> None:
    level = logging.DEBUG if route in PROBES else logging.INFO
    principal = state.get("principal")
    client = scope.get("client")
    log.log(level, "request", method=scope["method"], path_template=route, path=scope.get("path"), status=status,
            durationMs=round(seconds * 1000, 2), userId=getattr(principal, "user_id", None),
            client=client[0] if client else None)
