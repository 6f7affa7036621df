"""Abuse limits in Redis: one limiter (`Limiter`) for login throttling and registration, and the login policy.

A `Limit` is a counter of attempts. Each attempt takes a slot in all of its counters *before* the work (one Lua
script, so parallel attempts cannot all slip under a limit) and gives them back when the attempt must not count;
a counter is either a fixed window (`limit` slots per `window` s from its first slot) or an exponential back-off
(`limit` free slots, then each further one waits `backoff * 2^(n - limit)` s, at most `backoff_cap`, after the last).

Login (`LoginThrottle`) stops guessing without handing attackers a lock-out: failures are counted per (account,
client address) with back-off, per address across accounts (stops spraying), and per account across addresses,
which never refuses: over that generous budget an address's first failure on the account already starts its
back-off. A client without failures on an account is never refused because others failed there. Unknown and known
emails count alike, so throttling reveals nothing about which accounts exist. An outage (Redis, NATS, handler or
store errors) never counts against anyone: its slots are given back and the answer is 503 with Retry-After."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from faststream.exceptions import FastStreamException
from nats.errors import Error as NatsError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.user import normalise_email
from gateway.problems import AppError, TooManyRequests, Unavailable

log = logging.getLogger("ledger.auth")
OUTAGE_RETRY_AFTER = "1"

_TAKE = """
local now, retry = tonumber(ARGV[1]), 0
local function arg(i, j) return tonumber(ARGV[1 + (i - 1) * 4 + j]) end
local function wait(i, n) return math.min(arg(i, 4), arg(i, 3) * 2 ^ (n - arg(i, 1))) end
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  if arg(i, 1) >= 0 and n > 0 and n >= arg(i, 1) then
    if arg(i, 3) == 0 then
      retry = math.max(retry, redis.call('TTL', key), 1)
    else
      local left = tonumber(redis.call('HGET', key, 'l') or '0') + wait(i, n) - now
      if left > 0 then retry = math.max(retry, math.ceil(left)) end
    end
  end
end
if retry > 0 then return retry end
for i, key in ipairs(KEYS) do
  local n = redis.call('HINCRBY', key, 'n', 1)
  if arg(i, 3) == 0 then
    if n == 1 or redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, arg(i, 2)) end
  else
    redis.call('HSET', key, 'l', ARGV[1])
    local held = arg(i, 2)
    if n >= arg(i, 1) then held = held + wait(i, n) end
    redis.call('EXPIRE', key, math.ceil(held))
  end
end
return 0
"""
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('HINCRBY', key, 'n', -1) <= 0 then redis.call('DEL', key) end
end
return 0
"""
_OUTAGES = (RedisError, NatsError, FastStreamException, OSError, TimeoutError)


@dataclass(frozen=True)
class Limit:
    """One counter. `limit` None: counted, never refuses. `backoff` 0: a fixed window; else the back-off base (s),
    and the counter is forgotten `window` s after its current wait ends."""

    key: str
    limit: int | None
    window: int
    backoff: float = 0.0
    backoff_cap: float = 0.0

    def args(self) -> list[float]:
        return [-1 if self.limit is None else self.limit, self.window, self.backoff, self.backoff_cap]


@contextlib.asynccontextmanager
async def outage_is_unavailable() -> AsyncIterator[None]:
    """Redis, NATS, handler or store trouble answers 503 with Retry-After, never a 500 (and never a user's fault)."""
    try:
        yield
    except AppError as exc:
        if exc.status < 500 or (exc.status == 503 and "Retry-After" in exc.headers):
            raise
        raise Unavailable(exc.detail, headers={"Retry-After": OUTAGE_RETRY_AFTER}, code=exc.code) from exc
    except _OUTAGES as exc:
        log.warning("outage during a limited request: %r", exc)
        raise Unavailable("a service the gateway needs is unavailable; retry",
                          headers={"Retry-After": OUTAGE_RETRY_AFTER}) from exc


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, AppError) and exc.status >= 500


class Limiter:
    """Takes and gives back slots of `Limit`s. `clock` dates back-off waits (tests move it instead of sleeping)."""

    def __init__(self, redis: Redis, clock: Callable[[], float] = time.time) -> None:
        self.redis, self.clock = redis, clock
        self._take, self._give_back = redis.register_script(_TAKE), redis.register_script(_GIVE_BACK)

    async def take(self, limits: Sequence[Limit]) -> None:
        """A slot in every counter, or none and 429 with Retry-After (the longest wait among the full ones)."""
        args: list[float] = [self.clock()]
        for limit in limits:
            args += limit.args()
        retry = int(await self._take(keys=[limit.key for limit in limits], args=args))
        if retry:
            raise TooManyRequests("too many attempts; try again later", headers={"Retry-After": str(retry)})

    async def give_back(self, keys: Sequence[str]) -> None:
        """Best effort: when Redis itself is down the slots stay taken until their counters expire."""
        if keys:
            try:
                await self._give_back(keys=list(keys))
            except RedisError as exc:
                log.warning("could not give back rate-limit slots %s: %r", keys, exc)

    async def count(self, key: str) -> int:
        return int(await self.redis.hget(key, "n") or 0)  # type: ignore[misc]  # redis-py's union return

    @contextlib.asynccontextmanager
    async def slots(self, limits: Sequence[Limit],
                    refund: Callable[[BaseException | None], Sequence[str]]) -> AsyncIterator[None]:
        """Take the slots, run the body, then give back the keys `refund(exception or None)` names. Outages in
        either step become 503 (see `outage_is_unavailable`), and `refund` sees the 503."""
        async with outage_is_unavailable():
            await self.take(limits)
        try:
            async with outage_is_unavailable():
                yield
        except Exception as exc:
            await self.give_back(refund(exc))
            raise
        await self.give_back(refund(None))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class LoginPolicy:
    """See AuthSettings: free failures per (account, address) before back-off, its base and cap, failures per address
    (hard) and per account (soft) in `window` s."""

    free_failures: int = 5
    backoff: float = 1.0
    backoff_cap: float = 900.0
    per_address: int = 20
    per_account: int = 100
    window: int = 900


class LoginThrottle:
    def __init__(self, limiter: Limiter, policy: LoginPolicy) -> None:
        self.limiter, self.policy = limiter, policy

    async def _limits(self, email: str, address: str) -> list[Limit]:
        p, account = self.policy, _digest(normalise_email(email))
        account_key = f"limit:login:acct:{account}"
        free = 0 if await self.limiter.count(account_key) >= p.per_account else p.free_failures
        return [Limit(f"limit:login:pair:{_digest(account + '|' + address)}", free, p.window, p.backoff,
                      p.backoff_cap),
                Limit(f"limit:login:addr:{address}", p.per_address, p.window),
                Limit(account_key, None, p.window)]

    @contextlib.asynccontextmanager
    async def attempt(self, email: str, address: str) -> AsyncIterator[None]:
        """Wrap one login: only a refused password (401) counts; a success also forgets this client's failures on
        the account; anything else (bad input, outage) gives its slots back."""
        async with outage_is_unavailable():
            limits = await self._limits(email, address)
        keys = [limit.key for limit in limits]

        def refund(exc: BaseException | None) -> list[str]:
            if exc is None:
                return keys[1:]  # the (account, address) counter is deleted below
            return [] if isinstance(exc, AppError) and exc.status == 401 else keys

        async with self.limiter.slots(limits, refund):
            yield
        with contextlib.suppress(RedisError):
            await self.limiter.redis.delete(keys[0])


class RegistrationLimit:
    """`limit` registrations per client address per `window` s (0: no limit); every attempt counts except those an
    outage ended."""

    def __init__(self, limiter: Limiter, limit: int, window: int) -> None:
        self.limiter, self.limit, self.window = limiter, limit, window

    def attempt(self, address: str) -> contextlib.AbstractAsyncContextManager[None]:
        if self.limit <= 0:
            return contextlib.nullcontext()
        key = f"limit:register:addr:{address}"
        return self.limiter.slots([Limit(key, self.limit, self.window)],
                                  lambda exc: [key] if is_outage(exc) else [])
