"""What the auth routes share: the services built once per app, and the login/refresh answer with its cookie."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from redis.asyncio import Redis

from base.settings import AuthSettings
from gateway.auth.refresh import RefreshTokens
from gateway.auth.throttle import Limiter, LoginPolicy, LoginThrottle, RegistrationLimit
from gateway.auth.tokens import TokenService, load_or_create_key
from gateway.bus import position_headers
from gateway.resources.users import TokenOut, UserOut

REFRESH_COOKIE = "refresh_token"
COOKIE_PATH = "/auth"  # the cookie travels only to the auth routes, never to the rest of the API


@dataclass
class AuthServices:
    settings: AuthSettings
    tokens: TokenService
    refresh: RefreshTokens
    throttle: LoginThrottle
    registrations: RegistrationLimit

    @classmethod
    def create(cls, settings: AuthSettings, redis: Redis) -> AuthServices:
        key = load_or_create_key(settings.private_key_path)
        limiter = Limiter(redis)
        policy = LoginPolicy(settings.free_failures, settings.backoff, settings.backoff_max,
                             settings.max_failures_address, settings.max_failures_account, settings.failure_window)
        return cls(settings, TokenService(key, settings.issuer, settings.audience, settings.access_ttl),
                   RefreshTokens(redis, settings.refresh_ttl), LoginThrottle(limiter, policy),
                   RegistrationLimit(limiter, settings.registrations_per_address, settings.registration_window))

    def refresh_cookie(self, value: str, max_age: int | None = None) -> str:
        """The Set-Cookie value (SPEC: HttpOnly, SameSite=Strict, Path=/auth, Secure unless turned off)."""
        age = self.settings.refresh_ttl if max_age is None else max_age
        cookie = f"{REFRESH_COOKIE}={value}; HttpOnly; SameSite=Strict; Path={COOKIE_PATH}; Max-Age={age}"
        return cookie + "; Secure" if self.settings.cookie_secure else cookie

    def cleared_cookie(self) -> str:
        return self.refresh_cookie("", max_age=0)

    def session_response(self, user: dict[str, Any], refresh_token: str, position: int | None) -> Response[TokenOut]:
        """200 {accessToken, tokenType, expiresIn, user}; the refresh token only in the cookie."""
        access = self.tokens.issue(user["id"], user["roles"], user.get("email"))
        body = TokenOut(access_token=access, token_type="Bearer", expires_in=self.settings.access_ttl,
                        user=UserOut.model_validate(user))
        headers = {"Set-Cookie": self.refresh_cookie(refresh_token), "Cache-Control": "no-store"}
        return Response(body, headers=headers | position_headers(position))


def provide_auth(request: Request[Any, Any, Any]) -> AuthServices:
    services: AuthServices = request.app.state.auth
    return services


def client_address(request: Request[Any, Any, Any]) -> str:
    """The address abuse limits count by: the TCP peer, or what a trusted proxy forwarded (uvicorn has already put
    it in the scope, see ops.parts.proxy_options). IPv6 counts per /64, the block one subscriber usually holds."""
    host = request.client.host if request.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ip.ipv4_mapped or ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
