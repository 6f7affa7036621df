"""Login throttling (per account and per client address) and no user enumeration through login answers."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

import pytest

pytestmark = pytest.mark.integration


async def login(platform, email: str, password: str):
    return await platform.client.post("/auth/login", json={"email": email, "password": password})


async def test_five_failures_then_429_with_retry_after_even_for_the_right_password(platform, auth):
    user = await auth.user()
    for _ in range(5):
        assert (await login(platform, user.email, "wrong-password-1")).status_code == 401
    throttled = await login(platform, user.email.upper(), user.password)  # same account in another case
    assert throttled.status_code == 429
    assert throttled.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(throttled.headers["retry-after"]) <= 900
    assert throttled.json()["status"] == 429


async def test_a_success_forgets_the_accounts_failures(platform, auth):
    user = await auth.user()
    for _ in range(4):
        await login(platform, user.email, "wrong-password-1")
    assert (await login(platform, user.email, user.password)).status_code == 200
    for _ in range(5):
        assert (await login(platform, user.email, "wrong-password-1")).status_code == 401
    assert (await login(platform, user.email, "wrong-password-1")).status_code == 429


async def test_parallel_guesses_cannot_slip_past_the_limit(platform, auth):
    user = await auth.user()
    responses = await asyncio.gather(*(login(platform, user.email, f"guess-{i}-x") for i in range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(401) == 5 and statuses.count(429) == 7


async def test_one_address_is_throttled_across_accounts(platform):
    for i in range(20):
        assert (await login(platform, f"nobody-{i}@example.com", "wrong-password-1")).status_code == 401
    assert (await login(platform, "someone-else@example.com", "wrong-password-1")).status_code == 429


async def test_unknown_email_and_wrong_password_answer_alike(platform, auth):
    user = await auth.user()
    unknown = await login(platform, f"ghost-{uuid.uuid4().hex[:8]}@example.com", "wrong-password-1")
    wrong = await login(platform, user.email, "wrong-password-1")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.content == wrong.content
    assert unknown.json()["detail"] == "invalid email or password"
    assert {k for k in unknown.headers if k != "x-correlation-id"} == {k for k in wrong.headers
                                                                        if k != "x-correlation-id"}


async def test_unknown_email_costs_about_what_a_wrong_password_costs(platform, auth):
    users = [await auth.user() for _ in range(4)]

    async def timed(email: str) -> float:
        started = time.perf_counter()
        assert (await login(platform, email, "wrong-password-1")).status_code == 401
        return time.perf_counter() - started

    known = [await timed(u.email) for u in users]
    unknown = [await timed(f"ghost-{uuid.uuid4().hex[:8]}@example.com") for _ in range(4)]
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)  # both are dominated by one argon2 verification
