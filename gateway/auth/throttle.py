"""Login throttling in Redis, per account (normalised email, known or not) and per client address.

Each attempt takes a slot in both counters *before* the password is checked (one Lua script, so parallel guesses
cannot all slip under the limit); a success or an error that is not about credentials gives its slots back, so
what remains are failures. A counter's window starts at its first failure (fixed window). Unknown and known
emails are counted alike: throttling reveals nothing about which accounts exist."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from domain.user import normalise_email
from gateway.problems import TooManyRequests

_TAKE = """
local retry = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    retry = math.max(retry, redis.call('TTL', key), 1)
  end
end
if retry > 0 then return retry end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 or redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
end
return 0
"""
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('DECR', key) <= 0 then redis.call('DEL', key) end
end
return 0
"""


class LoginThrottle:
    def __init__(self, redis: Redis, max_account: int, max_address: int, window: int) -> None:
        self.redis, self.max_account, self.max_address, self.window = redis, max_account, max_address, window
        self._take, self._give_back = redis.register_script(_TAKE), redis.register_script(_GIVE_BACK)

    @staticmethod
    def _keys(email: str, address: str) -> list[str]:
        account = hashlib.sha256(normalise_email(email).encode()).hexdigest()
        return [f"login:fail:acct:{account}", f"login:fail:addr:{address}"]

    async def begin(self, email: str, address: str) -> None:
        """Take a slot for this attempt, or refuse it with 429 and Retry-After."""
        retry = int(await self._take(keys=self._keys(email, address),
                                     args=[self.window, self.max_account, self.max_address]))
        if retry:
            raise TooManyRequests("too many failed logins; try again later", headers={"Retry-After": str(retry)})

    async def succeeded(self, email: str, address: str) -> None:
        """Give back both slots and forget the account's failures."""
        account, addr = self._keys(email, address)
        await self._give_back(keys=[addr])
        await self.redis.delete(account)

    async def abandoned(self, email: str, address: str) -> None:
        """The attempt ended without a verdict on the password (bad input, service unavailable)."""
        await self._give_back(keys=self._keys(email, address))
