"""Refresh tokens: opaque, random, stored only as a SHA-256 in Redis, grouped into families (one per login).

Every refresh rotates: the presented token is marked used and a new one of the same family is issued. Presenting a
used token again means two parties hold it (one of them stole it): the whole family is revoked, so the newest token
of the family stops working too (OAuth 2.0 Security BCP, refresh token rotation). The check-and-rotate step is one
Lua script, so two refreshes racing with one token rotate it at most once; the loser is treated as a reuse.

Keys: `rt:<sha256>` -> {f: family, u: user, used: 0|1} with the session TTL (a used record is kept until then, to
recognise a reuse); `rtf:<family>` -> user id, refreshed on each rotation; its absence is a revoked family."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from gateway.problems import Unauthorized

TOKEN_PREFIX, FAMILY_PREFIX = "rt:", "rtf:"
_ROTATE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {'unknown', ''} end
local rec = cjson.decode(raw)
local family = ARGV[3] .. rec.f
if rec.used == 1 then
  redis.call('DEL', family)
  return {'reused', rec.u}
end
if redis.call('EXISTS', family) == 0 then return {'revoked', rec.u} end
if ARGV[1] == 'check' then return {'ok', rec.u} end
rec.used = 1
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
redis.call('SET', KEYS[2], cjson.encode({f = rec.f, u = rec.u, used = 0}), 'EX', ARGV[2])
redis.call('EXPIRE', family, ARGV[2])
return {'ok', rec.u}
"""
_REFUSALS = {"unknown": "the refresh token is not valid", "revoked": "the session was ended",
             "reused": "the refresh token was already used; the session is revoked"}


def _key(token: str) -> str:
    return TOKEN_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RefreshTokenReuse(Unauthorized):
    """A used token presented again (its session is revoked by now): whose it was, for the audit."""

    def __init__(self, user_id: str) -> None:
        super().__init__(_REFUSALS["reused"], code="invalid-refresh-token")
        self.user_id = user_id


@dataclass(frozen=True)
class RefreshGrant:
    user_id: str


class RefreshTokens:
    def __init__(self, redis: Redis, ttl: int) -> None:
        self.redis, self.ttl = redis, ttl
        self._script = redis.register_script(_ROTATE)

    async def start_family(self, user_id: str) -> str:
        """A new session (login): a new family and its first token."""
        token, family = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(FAMILY_PREFIX + family, user_id, ex=self.ttl)
            pipe.set(_key(token), json.dumps({"f": family, "u": user_id, "used": 0}), ex=self.ttl)
            await pipe.execute()
        return token

    async def check(self, token: str) -> RefreshGrant:
        """Whose session is this? Changes nothing unless the token is a reuse, which revokes its family."""
        return RefreshGrant(await self._run("check", token, ""))

    async def rotate(self, token: str) -> str:
        """Mark `token` used and return its successor; refused (401) if it was used, revoked or unknown."""
        successor = secrets.token_urlsafe(32)
        await self._run("rotate", token, _key(successor))
        return successor

    async def revoke(self, token: str) -> None:
        """Logout: end the token's whole family (every token of this session)."""
        raw = await self.redis.get(_key(token))
        if raw:
            await self.redis.delete(FAMILY_PREFIX + json.loads(raw)["f"])

    async def _run(self, mode: str, token: str, successor_key: str) -> str:
        outcome, user_id = (_text(v) for v in await self._script(
            keys=[_key(token), successor_key or _key(token)], args=[mode, self.ttl, FAMILY_PREFIX]))
        if outcome == "reused":
            raise RefreshTokenReuse(user_id)
        if outcome != "ok":
            raise Unauthorized(_REFUSALS.get(outcome, "the refresh token is not valid"), code="invalid-refresh-token")
        return user_id
