"""Bearer authentication (ASGI middleware): `Authorization: Bearer <jwt>` becomes a `Principal` in the scope state,
or nothing.

It never answers by itself: public routes ignore a bad token, and on a guarded route the guard (gateway/guards.py)
answers 401, naming the reason it finds in `auth_error`."""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp

from gateway.asgi import request_header
from gateway.auth.tokens import InvalidToken, TokenService


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp, tokens: TokenService) -> None:
        self.app, self.tokens = app, tokens

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (header := request_header(scope, b"authorization")):
            scheme, _, credentials = header.strip().partition(" ")
            state = scope.setdefault("state", {})
            if scheme.lower() != "bearer" or not credentials.strip():
                state["auth_error"] = "not a bearer token"
            else:
                try:
                    state["principal"] = self.tokens.verify(credentials.strip())
                except InvalidToken as exc:
                    state["auth_error"] = str(exc)
        await self.app(scope, receive, send)
