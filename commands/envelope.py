"""Signed command envelopes: how a handler knows who sent a command over NATS.

The gateway signs, for every command it sends, a short-lived envelope with the platform's Ed25519 key
(`commands.keys`), carried in the `Command-Envelope` header. It binds the command name, the command id, a SHA-256 of
the exact body bytes, the actor (user id and roles, or anonymous), the caller, issued-at/expiry and the correlation
id. A handler verifies it before reading anything else and takes the caller's identity only from it - so a client
that can publish on the bus (no NATS permissions in external mode, or a leaked credential) can neither forge an
actor, nor reuse an envelope with another body or command, nor use one after its short lifetime.

Why not a JWT: the claims here are few and fixed, and a raw signature over canonical JSON skips the JOSE header
parsing (the identity check is on every command's path; see `bench/e2e_bench.py` for its cost)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from base.settings import AuthSettings
from commands.context import Actor, Caller
from commands.keys import key_id, load_or_create_key
from commands.messages import GATEWAY

HEADER: Final = "Command-Envelope"
VERSION: Final = 1
TTL_SECONDS: Final = 30  # a command is sent once, within the gateway's time-out; retries get a new envelope
LEEWAY_SECONDS: Final = 5  # clock skew between the gateway and handler hosts
_DOMAIN: Final = b"reward-ledger command envelope v1\n"  # nothing else signed with this key verifies as an envelope


class EnvelopeRefused(Exception):
    """The envelope is missing, forged, stale or does not match the command; the message says which (safe to show)."""


def body_digest(body: bytes) -> str:
    return _b64(hashlib.sha256(body).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class EnvelopeSigner:
    """The gateway's half. `clock` dates the envelopes (tests mint stale ones with it)."""

    def __init__(self, key: Ed25519PrivateKey, caller: str = GATEWAY, *,
                 clock: Callable[[], float] = time.time, ttl: float = TTL_SECONDS) -> None:
        self._key, self.caller, self._clock, self.ttl = key, caller, clock, ttl
        self.kid = key_id(key.public_key())

    @classmethod
    def from_settings(cls, settings: AuthSettings | None = None) -> EnvelopeSigner:
        return cls(load_or_create_key((settings or AuthSettings()).private_key_path))

    def sign(self, name: str, body: bytes, command_id: str, actor: Actor, correlation_id: str | None) -> str:
        now = self._clock()
        claims = {"v": VERSION, "kid": self.kid, "cmd": name, "cid": command_id, "body": body_digest(body),
                  "sub": actor.user_id, "roles": sorted(actor.roles), "caller": self.caller,
                  "iat": round(now, 3), "exp": round(now + self.ttl, 3), "corr": correlation_id}
        encoded = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{encoded}.{_b64(self._key.sign(_DOMAIN + encoded.encode()))}"


class EnvelopeVerifier:
    """The handlers' half: only public keys (the current one, and any still trusted after a rotation)."""

    def __init__(self, keys: Iterable[Ed25519PublicKey], *, leeway: float = LEEWAY_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self._keys = {key_id(k): k for k in keys}
        self.leeway, self._clock = leeway, clock

    @classmethod
    def from_settings(cls, settings: AuthSettings | None = None) -> EnvelopeVerifier:
        return cls([load_or_create_key((settings or AuthSettings()).private_key_path).public_key()])

    def verify(self, name: str, body: bytes, headers: Mapping[str, str]) -> Caller:
        """The verified caller of command `name` whose body is exactly `body`; raises EnvelopeRefused."""
        token = headers.get(HEADER)
        if not token:
            raise EnvelopeRefused("no command envelope: commands are accepted only from the gateway")
        claims = self._signed_claims(token)
        now = self._clock()
        if not claims["iat"] - self.leeway <= now < claims["exp"] + self.leeway:
            raise EnvelopeRefused("command envelope expired or not yet valid")
        if claims["cmd"] != name:
            raise EnvelopeRefused("command envelope is for another command")
        if claims["body"] != body_digest(body):
            raise EnvelopeRefused("command envelope does not match the command body")
        actor = Actor(claims["sub"], frozenset(claims["roles"]))
        return Caller(claims["cid"], actor, via=claims["caller"], correlation_id=claims["corr"])

    def _signed_claims(self, token: str) -> dict[str, Any]:
        encoded, _, signature = token.partition(".")
        try:
            claims = json.loads(_unb64(encoded))
            public = self._keys.get(str(claims.get("kid")))
            if public is None:
                raise EnvelopeRefused("command envelope signed by an unknown key")
            public.verify(_unb64(signature), _DOMAIN + encoded.encode())
        except (ValueError, binascii.Error, AttributeError, InvalidSignature) as exc:
            raise EnvelopeRefused("command envelope is malformed or its signature is invalid") from exc
        if not _well_formed(claims):
            raise EnvelopeRefused("command envelope claims are malformed")
        return claims


_TYPES: Final[dict[str, type | tuple[type, ...]]] = {
    "cmd": str, "cid": str, "body": str, "caller": str, "iat": (int, float), "exp": (int, float)}


def _well_formed(claims: dict[str, Any]) -> bool:
    """Signed by our key, so written by our code - but checked anyway, as a bad envelope must never be a crash."""
    roles, sub, corr = claims.get("roles"), claims.get("sub"), claims.get("corr")
    return (claims.get("v") == VERSION and all(isinstance(claims.get(k), t) for k, t in _TYPES.items())
            and bool(claims["cid"]) and isinstance(roles, list) and all(isinstance(r, str) for r in roles)
            and (sub is None or isinstance(sub, str)) and (corr is None or isinstance(corr, str)))
