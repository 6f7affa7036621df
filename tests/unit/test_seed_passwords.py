"""The seeder's one seam in password hashing: inside `reusing_hash`, registrations with exactly that password share
one hash that still verifies; any other password, and everything outside it, gets its own salted hash."""

from __future__ import annotations

import asyncio

from commands.passwords import hash_password, reusing_hash, verify_password


async def test_registrations_with_the_demo_password_share_one_hash_that_verifies():
    with reusing_hash("demo-pass-1"):
        first, second = await hash_password("demo-pass-1"), await hash_password("demo-pass-1")
        in_a_task = await asyncio.create_task(hash_password("demo-pass-1"))
        other = await hash_password("demo-pass-2")
    assert first == second == in_a_task
    assert await verify_password(first, "demo-pass-1") and not await verify_password(first, "demo-pass-2")
    assert other != first and await verify_password(other, "demo-pass-2")


async def test_outside_the_seeder_every_hash_has_its_own_salt():
    with reusing_hash("demo-pass-1"):
        pass
    assert await hash_password("demo-pass-1") != await hash_password("demo-pass-1")


async def test_a_task_started_outside_the_context_hashes_as_usual():
    async def register() -> str:
        return await hash_password("demo-pass-1")

    outside = asyncio.create_task(register())  # its context was copied before the seeder's was set
    with reusing_hash("demo-pass-1"):
        shared = await hash_password("demo-pass-1")
        assert await outside != shared
