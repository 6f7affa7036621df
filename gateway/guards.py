"""The one role-guard mechanism: `guards=[requires(...)]` on a controller or route, from a set of roles.

Authentication (the bearer token) puts a `Principal` into the scope state; a guard only reads it: no principal is
401, a principal without any of the roles is 403. The route x role matrix test walks every route against these."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from gateway.principal import Principal
from gateway.problems import Forbidden, Unauthorized

#: Guards are coroutines: Litestar runs a synchronous guard in a worker thread (a thread hop on every request).
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    state = connection.scope.get("state", {})
    principal = state.get("principal")
    if principal is None:
        if reason := state.get("auth_error"):  # set by gateway/auth/bearer.py (RFC 6750 challenge)
            raise Unauthorized(f"the bearer token was refused: {reason}",
                               headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        raise Unauthorized("a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    assert isinstance(principal, Principal)
    return principal


def requires(*roles: str) -> Guard:
    """Any one of `roles` lets the caller through; no roles means "any signed-in user"."""
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = current_principal(connection)
        if allowed and not allowed & principal.roles:
            raise Forbidden(f"requires one of the roles {', '.join(sorted(allowed))}")

    guard.__name__ = f"requires_{'_'.join(sorted(allowed)).lower() or 'signed_in'}"
    return guard


requires_signed_in = requires()
requires_user = requires("USER")
requires_admin = requires("ADMIN")
requires_operator = requires("OPERATOR", "ADMIN")
requires_reader = requires("OPERATOR", "ADMIN", "AUDITOR")
