"""The first look at a request body, before anything parses, buffers or stores it: past the size limit it is 413
(counted while streaming, so a chunked body without Content-Length is cut off at the limit), a body that is not
declared JSON is 415, and JSON nested deeper than any of our schemas is 400 (the JSON decoder would recurse)."""

from __future__ import annotations

import re
from typing import Final

from litestar.types import ASGIApp

from gateway.asgi import BodyTooLarge, Receive, Scope, Send, read_body, replaying, request_header
from gateway.problems import send_problem

#: Our deepest body is a condition (domain.conditions.MAX_DEPTH combinators, two JSON levels each, under the body).
MAX_JSON_DEPTH: Final = 32
BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_OPENING = frozenset(b"[{")


def is_json_media_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects more than `limit` deep; brackets inside strings do not count.
    Linear, and stops at the first level past the limit."""
    depth = 0
    for byte in _JSON_STRING.sub(b"", body).translate(None, _NOT_A_BRACKET):
        depth += 1 if byte in _OPENING else -1
        if depth > limit:
            return True
    return False


def body_guard(app: ASGIApp, max_bytes: int) -> ASGIApp:
    """Middleware: refuse an oversized, non-JSON or too deeply nested body; hand the checked body on."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await app(scope, receive, send)
            return
        declared = request_header(scope, b"content-length") or ""
        if declared.isdigit() and int(declared) > max_bytes:
            await send_problem(send, 413, f"the request body is larger than {max_bytes} bytes")
            return
        try:
            body = await read_body(receive, max_bytes)
        except BodyTooLarge:
            await send_problem(send, 413, f"the request body is larger than {max_bytes} bytes")
            return
        if body and not is_json_media_type(content_type := request_header(scope, b"content-type")):
            await send_problem(send, 415, f"the body must be application/json, not {content_type or 'undeclared'}")
            return
        if nested_deeper_than(body, MAX_JSON_DEPTH):
            await send_problem(send, 400, f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
            return
        await app(scope, replaying(body, receive), send)

    return middleware
