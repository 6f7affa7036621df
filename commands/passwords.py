"""Password hashing with argon2id. Parameters are OWASP's minimum recommended set (19 MiB, t=2, p=1): about 33 ms per
hash on this 2-core machine (bench/auth_bench.py), so one handler core serves ~30 logins or registrations a second,
while each offline guess costs an attacker the same. Hashing runs in a worker thread so the event loop keeps serving
other commands."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Verified when the email is unknown, so a miss costs the same time as a wrong password (no enumeration).
_DUMMY_HASH = HASHER.hash("not-a-real-password-0")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
