"""What every answer of the gateway gets, whatever route (or no route) it comes from: security headers, and HEAD
answered as the GET of the same URL without its body (RFC 9110 §9.3.2; Litestar's `@get` answers only GET).

This wraps the whole application rather than being a middleware, because Litestar runs middleware after routing:
a 404, or the 405 a bare `@get` route gives to HEAD, would never pass through it."""

from __future__ import annotations

from typing import Any, Final

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.types import LifeSpanReceive, LifeSpanScope, LifeSpanSend, Message, Receive, Scope, Send

from gateway.correlation import correlation_middleware

#: JSON answers load nothing and may not be framed.
API_POLICY: Final = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: Swagger UI: its assets come from /docs/assets, and the page itself is an inline script (the schema embedded in
#: it) with inline styles; "Try it out" calls this origin.
DOCS_POLICY: Final = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                      "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                      "base-uri 'none'; form-action 'self'")
#: The operator console (/console): its own scripts and styles only (no inline code, no CDN); it calls this origin's
#: API and nothing else.
CONSOLE_POLICY: Final = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                         "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                         "form-action 'self'")
SECURITY_HEADERS: Final = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _policy_for(path: str) -> str:
    if path == "/console" or path.startswith("/console/"):
        return CONSOLE_POLICY
    return DOCS_POLICY if path.startswith("/docs") and not path.startswith("/docs/openapi") else API_POLICY


class Gateway(Litestar):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The correlation id, timing and request log line (gateway/correlation.py) around routing too, so a 404 or
        # 405 is logged and answered with `X-Correlation-Id` like any other request (Litestar's own middleware runs
        # only once a route matched).
        self._traced = correlation_middleware(super().__call__)

    async def __call__(self, scope: Scope | LifeSpanScope, receive: Receive | LifeSpanReceive,
                       send: Send | LifeSpanSend) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        head = scope["method"] == "HEAD"  # type: ignore[typeddict-item]  # an http scope
        http_scope: Any = {**scope, "method": "GET"} if head else scope
        policy = _policy_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in {**SECURITY_HEADERS, "Content-Security-Policy": policy}.items():
                    if name not in headers:
                        headers[name] = value
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)  # type: ignore[arg-type]

        await self._traced(http_scope, receive, send_with_headers)  # type: ignore[arg-type]  # an http receive
