"""ASGI middleware of the gateway: correlation id and request metrics, and Idempotency-Key replay for writes."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp
from redis.asyncio import Redis

from gateway.problems import send_problem
from ops.logging import correlation_id
from ops.metrics import HTTP_LATENCY

# Raw ASGI dicts: litestar's TypedDict unions cost more casts than they catch here.
Scope = Any
Receive = Any
Send = Any
Message = Any
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PENDING_TTL_SECONDS = 60
_REPLAYED_HEADERS = {"content-type", "ledger-position", "set-cookie", "location", "retry-after"}


def request_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


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


class IdempotencyMiddleware:
    """A write carrying `Idempotency-Key` runs once per (caller, key): a retry gets the first answer (status, body,
    headers) replayed; a different request with the same key is 422; a retry while the first is running is 409.

    The key also seeds the command id (scope state `idempotency_seed`), so even a retry that outlives the Redis
    entry stores its events once. 5xx answers are not kept: they are worth retrying."""

    def __init__(self, app: ASGIApp, redis: Any, ttl: int) -> None:
        self.app, self.redis, self.ttl = app, redis, ttl

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = request_header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if not key or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        if len(key) > 200:
            await send_problem(send, 400, "Idempotency-Key is longer than 200 characters")
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        # The caller is its bearer token, else its cookies (the refresh cookie authenticates /auth/refresh): two
        # clients sending the same key never see each other's answers.
        identity = request_header(scope, b"authorization") or request_header(scope, b"cookie") or "anonymous"
        caller = hashlib.sha256(identity.encode()).hexdigest()[:32]
        redis_key = f"idem:{caller}:{hashlib.sha256(key.encode()).hexdigest()}"
        fingerprint = hashlib.sha256(f"{scope['method']} {scope['path']} {scope.get('query_string', b'')!r}".encode()
                                     + b"\n" + body).hexdigest()
        scope.setdefault("state", {})["idempotency_seed"] = redis_key
        redis: Redis = self.redis
        if not await redis.set(redis_key, json.dumps({"fp": fingerprint, "state": "pending"}), nx=True,
                               ex=PENDING_TTL_SECONDS):
            await self._answer_from_store(redis_key, fingerprint, scope, receive, send)
            return
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def replay_receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            if captured["status"] < 500:
                stored = {"fp": fingerprint, "state": "done", "status": captured["status"],
                          "headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, v in captured["headers"]
                                      if k.decode("latin-1").lower() in _REPLAYED_HEADERS],
                          "body": captured["body"].decode("utf-8", "replace")}
                await redis.set(redis_key, json.dumps(stored), ex=self.ttl)
            else:
                await redis.delete(redis_key)

    async def _answer_from_store(self, redis_key: str, fingerprint: str, scope: Scope, receive: Receive,
                                 send: Send) -> None:
        raw = await self.redis.get(redis_key)
        stored = json.loads(raw) if raw else None
        if stored is None:
            await send_problem(send, 409, "the first request with this Idempotency-Key just ended; retry",
                               headers={"Retry-After": "1"})
        elif stored["fp"] != fingerprint:
            await send_problem(send, 422, "this Idempotency-Key was used for a different request",
                               [{"path": "", "message": "Idempotency-Key reused with another request"}])
        elif stored["state"] == "pending":
            await send_problem(send, 409, "a request with this Idempotency-Key is still being processed",
                               headers={"Retry-After": "1"})
        else:
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored["headers"]]
            await send({"type": "http.response.start", "status": stored["status"],
                        "headers": [*headers, (b"idempotent-replayed", b"true")]})
            await send({"type": "http.response.body", "body": stored["body"].encode()})
