"""Idempotency-Key replay for writes (ASGI middleware): a retried write gets the first answer again."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar.types import ASGIApp
from redis.asyncio import Redis

from gateway.asgi import BodyTooLarge, Message, Receive, Scope, Send, read_body, replaying, request_header
from gateway.auth.tokens import load_or_create_key
from gateway.problems import send_problem

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PENDING_TTL_SECONDS = 60
_REPLAYED_HEADERS = {"content-type", "ledger-position", "location", "retry-after"}


def fingerprint_secret(signing_key_path: Path) -> bytes:
    """The key of the request fingerprints, derived from the token signing key every gateway replica shares.

    Keyed because a registration body holds a password: a plain SHA-256 of it, kept beside the email for a day
    (and on disk, in Valkey's append-only file), could be guessed at GPU speed, side-stepping argon2id."""
    raw = load_or_create_key(signing_key_path).private_bytes_raw()
    return hashlib.sha256(b"reward-ledger idempotency fingerprint\n" + raw).digest()


@dataclass(frozen=True)
class IdempotentRequest:
    """Where a request's first answer is kept, and what a retry must match.

    The key belongs to the signed-in user (so a retry after a token refresh is the same request) or, anonymously,
    to everybody; `fingerprint` (method, path, query, body) tells a retry from a reuse of the key. The command-id
    seed includes the fingerprint, so a reuse of the key never turns into a replay of someone else's command in
    the handlers, even after the stored answer is gone."""

    redis_key: str
    fingerprint: str
    seed: str

    @classmethod
    def of(cls, scope: Scope, key: str, body: bytes, secret: bytes) -> IdempotentRequest:
        principal = scope.get("state", {}).get("principal")
        owner = f"user:{principal.user_id}" if principal is not None else "anonymous"
        redis_key = "idem:" + hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()
        target = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode('latin-1')}"
        fingerprint = hmac.new(secret, target.encode() + b"\n" + body, hashlib.sha256).hexdigest()
        return cls(redis_key, fingerprint, f"{redis_key}:{fingerprint}")


def _keepable(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
    """5xx answers are worth retrying; answers carrying tokens (login, refresh, logout) must never sit in Redis."""
    carries_tokens = any(k.lower() == b"set-cookie" for k, _ in headers) or b'"accessToken"' in body
    return status < 500 and not carries_tokens


class IdempotencyMiddleware:
    """A write carrying `Idempotency-Key` runs once per (caller, key), as the IETF httpapi draft describes: a retry
    gets the first answer (status, body, headers) replayed with `Idempotent-Replayed: true`; another request with
    the same key is 422; a retry while the first is running is 409.

    The scope state's `idempotency_seed` seeds the command id (gateway.bus), so even a retry that outlives the
    Redis entry stores its events once."""

    def __init__(self, app: ASGIApp, redis: Any, ttl: int, max_body_bytes: int, secret: bytes) -> None:
        self.app, self.redis, self.ttl, self.max_body_bytes, self.secret = app, redis, ttl, max_body_bytes, secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = request_header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if not key or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        if len(key) > 200:
            await send_problem(send, 400, "Idempotency-Key is longer than 200 characters")
            return
        try:
            body = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            await send_problem(send, 413, f"the request body is larger than {self.max_body_bytes} bytes")
            return
        request = IdempotentRequest.of(scope, key, body, self.secret)
        scope.setdefault("state", {})["idempotency_seed"] = request.seed
        redis: Redis = self.redis
        if not await redis.set(request.redis_key, json.dumps({"fp": request.fingerprint, "state": "pending"}),
                               nx=True, ex=PENDING_TTL_SECONDS):
            await self._answer_from_store(request, send)
            return
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replaying(body, receive), capture)
        finally:
            if _keepable(captured["status"], captured["headers"], captured["body"]):
                stored = {"fp": request.fingerprint, "state": "done", "status": captured["status"],
                          "headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, v in captured["headers"]
                                      if k.decode("latin-1").lower() in _REPLAYED_HEADERS],
                          "body": captured["body"].decode("utf-8", "replace")}
                await redis.set(request.redis_key, json.dumps(stored), ex=self.ttl)
            else:
                await redis.delete(request.redis_key)

    async def _answer_from_store(self, request: IdempotentRequest, send: Send) -> None:
        raw = await self.redis.get(request.redis_key)
        stored = json.loads(raw) if raw else None
        if stored is None:
            await send_problem(send, 409, "the first request with this Idempotency-Key just ended; retry",
                               headers={"Retry-After": "1"})
        elif stored["fp"] != request.fingerprint:
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
