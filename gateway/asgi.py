"""Small helpers over raw ASGI messages, shared by the gateway's middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# Raw ASGI dicts: litestar's TypedDict unions cost more casts than they catch here.
Scope = Any
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
Message = Any


class BodyTooLarge(Exception):
    """The request body passed the limit; the rest of it was not read."""


def request_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body, pulled chunk by chunk; raises `BodyTooLarge` as soon as the count passes `limit`,
    so a client streaming gigabytes costs at most `limit` bytes of memory and one chunk of reading past it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the already-read body to the app once, then passes on (e.g. a disconnect)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
