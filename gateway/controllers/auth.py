"""Sessions under /auth: login, refresh-token rotation, logout, and the caller's own user."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from gateway.auth.refresh import RefreshTokenReuse
from gateway.auth.reuse import report_reuse
from gateway.auth.session import REFRESH_COOKIE, AuthServices, client_address, provide_auth
from gateway.bus import CommandBus
from gateway.controllers.users import find_user
from gateway.docs import (
    BODY,
    BUS,
    CLEARED_COOKIE,
    NO_STORE,
    READ,
    SET_COOKIE,
    SIGNED_IN,
    WRITE,
    WRITE_HEADERS,
    problem_headers,
    problem_responses,
)
from gateway.guards import current_principal, requires_signed_in
from gateway.problems import AppError, Unauthorized
from gateway.readmodels import ReadModels
from gateway.resources.users import TokenOut, UserOut
from gateway.schemas import LoginIn

_COOKIE_DOC = "Sets the `refresh_token` cookie (HttpOnly, SameSite=Strict, Path=/auth, Secure)."
_SESSION_HEADERS = (*WRITE_HEADERS, SET_COOKIE, NO_STORE)


class SessionController(Controller):
    path = "/auth"
    tags = ["auth"]
    dependencies = {"auth": Provide(provide_auth, sync_to_thread=False)}

    @post("/login", operation_id="log_in", status_code=200, summary="Log in with email and password",
          description=f"{_COOKIE_DOC} Five failed attempts per account (or twenty per address) in 15 minutes "
                      "answer 429 with Retry-After.",
          response_description="Logged in", response_headers=_SESSION_HEADERS,
          responses=problem_responses(*BODY, *WRITE, *BUS, 401, 429))
    async def log_in(self, data: JSONBody[LoginIn], request: Request[Any, Any, Any], bus: NamedDependency[CommandBus],
                     auth: NamedDependency[AuthServices]) -> Response[TokenOut]:
        async with auth.throttle.attempt(data.email, client_address(request)):  # only a refused password counts
            reply = await bus.send(request, "LogIn", data.model_dump(by_alias=True))
            user = reply.result or {}
            refresh_token = await auth.refresh.start_family(user["id"])
        return auth.session_response(user, refresh_token, reply.position)

    @post("/refresh", operation_id="refresh_session", status_code=200,
          summary="Rotate the refresh cookie and get a new access token",
          description=f"Reads the `refresh_token` cookie. {_COOKIE_DOC} The presented token stops working; "
                      "presenting it again revokes the whole session.",
          response_description="A new access token", response_headers=_SESSION_HEADERS,
          responses=problem_responses(*WRITE, *BUS, 401), operation_class=problem_headers({401: (CLEARED_COOKIE,)}))
    async def refresh_session(self, request: Request[Any, Any, Any], bus: NamedDependency[CommandBus],
                              auth: NamedDependency[AuthServices]) -> Response[TokenOut]:
        presented = request.cookies.get(REFRESH_COOKIE)
        try:
            if not presented:
                raise Unauthorized("no refresh_token cookie", code="invalid-refresh-token")
            grant = await auth.refresh.check(presented)
            try:  # current roles come from the user's stream, not the token or a read model
                reply = await bus.send(request, "RefreshSession", {"userId": grant.user_id})
            except AppError as exc:
                if exc.status == 401:
                    await auth.refresh.revoke(presented)
                raise
            successor = await auth.refresh.rotate(presented)  # rotate last: a failure above leaves it usable
        except AppError as exc:
            if isinstance(exc, RefreshTokenReuse):  # a security event for the audit; the answer stays 401
                await report_reuse(bus, request, exc)
            if exc.status == 401:
                exc.headers["Set-Cookie"] = auth.cleared_cookie()
            raise
        return auth.session_response(reply.result or {}, successor, reply.position)

    @post("/logout", operation_id="log_out", status_code=204, summary="End the session of the refresh cookie",
          description="Revokes every refresh token of the session and clears the cookie. Access tokens already "
                      "issued stay valid until they expire (at most ACCESS_TOKEN_TTL_SECONDS).",
          response_description="Logged out", response_headers=(CLEARED_COOKIE, NO_STORE),
          responses=problem_responses(*WRITE, *BUS))
    async def log_out(self, request: Request[Any, Any, Any], auth: NamedDependency[AuthServices]) -> Response[None]:
        if presented := request.cookies.get(REFRESH_COOKIE):
            await auth.refresh.revoke(presented)
        return Response(None, status_code=204,
                        headers={"Set-Cookie": auth.cleared_cookie(), "Cache-Control": "no-store"})

    @get("/me", operation_id="get_me", summary="The signed-in user", guards=[requires_signed_in],
         security=[{"bearer": []}], response_description="The signed-in user",
         responses=problem_responses(*SIGNED_IN, *READ, 404))
    async def get_me(self, request: Request[Any, Any, Any], read_models: NamedDependency[ReadModels],
                     min_position: NamedDependency[int | None]) -> UserOut:
        return await find_user(read_models, min_position, user_id=current_principal(request).user_id)
