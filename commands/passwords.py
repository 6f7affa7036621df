"""Password hashing with argon2id. Parameters are OWASP's minimum recommended set (19 MiB, t=2, p=1): about 33 ms per
hash on this 2-core machine (bench/auth_bench.py), so one handler core serves ~30 logins or registrations a second,
while each offline guess costs an attacker the same. Hashing runs in a worker thread so the event loop keeps serving
other commands."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Verified when the email is unknown, so a miss costs the same time as a wrong password (no enumeration).
_DUMMY_HASH = HASHER.hash("not-a-real-password-0")


#: (password, its hash) while `reusing_hash` is in force in this task and the tasks it starts; never set otherwise.
_reused: ContextVar[tuple[str, str] | None] = ContextVar("reused_password_hash", default=None)


@contextmanager
def reusing_hash(password: str) -> Iterator[None]:
    """Registrations in this context with exactly `password` share one argon2 hash instead of ~33 ms of CPU each.

    Only for shared demo accounts (`reward-ledger seed-demo`, in-process): they all have the same published password,
    so a per-account salt protects nothing, while 10,000 of them would cost ~5 minutes of CPU. It is a context
    variable set by the caller's own process, so no command arriving over NATS or HTTP can turn it on."""
    token = _reused.set((password, HASHER.hash(password)))
    try:
        yield
    finally:
        _reused.reset(token)


async def hash_password(password: str) -> str:
    reused = _reused.get()
    if reused is not None and reused[0] == password:
        return reused[1]
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
