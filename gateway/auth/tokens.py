"""Access tokens: short-lived JWTs signed with Ed25519 (EdDSA), verified with the algorithm pinned.

The signing key is loaded by `commands.keys` (shared with the command handlers, which verify the command envelopes
the gateway signs with it). The `kid` names the key by its public half, so a verifier refuses tokens of any other
key (and a later rotation can keep an old key verifying)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from commands.keys import key_id, load_or_create_key
from gateway.principal import Principal

log = logging.getLogger("ledger.auth")
ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"  # RFC 9068: an access token, not an ID token or any other JWT signed with the same key
LEEWAY_SECONDS = 5  # clock skew between the gateways that issue and those that verify
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub"]
CACHE_SIZE = 10_000


__all__ = ["InvalidToken", "TokenService", "key_id", "load_or_create_key"]


class InvalidToken(Exception):
    """The bearer token was refused; the message says why (expired, wrong audience, ...) and is safe to show."""


class TokenService:
    """Issues and verifies access tokens. Verified tokens are cached (bounded) by their exact text, with their
    validity window re-checked on every hit: a client presents the same token for minutes, and an Ed25519
    verification costs more than the rest of a simple request."""

    def __init__(self, key: Ed25519PrivateKey, issuer: str, audience: str, ttl: int, *,
                 leeway: int = LEEWAY_SECONDS, issue_clock: Callable[[], float] = time.time,
                 trusted: Iterable[Ed25519PublicKey] = ()) -> None:
        """`issue_clock` dates issued tokens (tests mint stale ones with it); verification uses the real time, as
        pyjwt does. `trusted`: further public keys to accept (a rotated-out key, until its tokens expire)."""
        self._key, self.issuer, self.audience, self.ttl = key, issuer, audience, ttl
        self.leeway, self._issue_clock = leeway, issue_clock
        self.kid = key_id(key.public_key())
        self._public = {key_id(k): k for k in [key.public_key(), *trusted]}
        self._cache: dict[str, tuple[Principal, float, float]] = {}

    def issue(self, user_id: str, roles: Iterable[str], email: str | None = None) -> str:
        now = int(self._issue_clock())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": user_id, "iat": now, "nbf": now,
                  "exp": now + self.ttl, "jti": secrets.token_urlsafe(12), "roles": sorted(set(roles))}
        if email:
            claims["email"] = email
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": TOKEN_TYPE})

    def verify(self, token: str) -> Principal:
        now = time.time()
        if (hit := self._cache.get(token)) is not None:
            principal, not_before, expires = hit
            if not_before - self.leeway <= now < expires + self.leeway:
                return principal
            del self._cache[token]
        principal, claims = self._verify_signed(token)
        if len(self._cache) >= CACHE_SIZE:
            del self._cache[next(iter(self._cache))]
        self._cache[token] = (principal, float(claims["nbf"]), float(claims["exp"]))
        return principal

    def _verify_signed(self, token: str) -> tuple[Principal, dict[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("unexpected token type or algorithm")
        public = self._public.get(str(header.get("kid")))
        if public is None:
            raise InvalidToken("unknown signing key")
        try:
            claims = jwt.decode(token, public, algorithms=[ALGORITHM], audience=self.audience, issuer=self.issuer,
                                leeway=self.leeway, options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken("token not yet valid") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token ({type(exc).__name__})") from exc
        roles, sub, email = claims.get("roles"), claims.get("sub"), claims.get("email")
        if not isinstance(sub, str) or not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken("invalid token claims")
        return Principal(sub, frozenset(roles), email if isinstance(email, str) else None), claims
