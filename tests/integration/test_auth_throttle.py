"""Login throttling: back-off per (account, client address), a budget per address across accounts, a soft budget per
account that slows and never locks, and no user enumeration through login answers."""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
import uuid

import httpx
import pytest

pytestmark = pytest.mark.integration


async def login(platform, email: str, password: str, client: httpx.AsyncClient | None = None):
    return await (client or platform.client).post("/auth/login", json={"email": email, "password": password})


def client_at(platform, address: str) -> httpx.AsyncClient:
    """Another client of the same gateway, connecting from `address`."""
    transport = httpx.ASGITransport(app=platform.app, client=(address, 40001))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


@pytest.fixture
def clock(platform) -> list[float]:
    """The throttle's clock, frozen; a test moves it (`clock[0] += s`) instead of sleeping."""
    now = [1_000_000.0]
    platform.app.state.auth.throttle.limiter.clock = lambda: now[0]
    return now


async def test_five_failures_then_429_with_retry_after_even_for_the_right_password(platform, auth, clock):
    user = await auth.user()
    for _ in range(5):
        assert (await login(platform, user.email, "wrong-password-1")).status_code == 401
    throttled = await login(platform, user.email.upper(), user.password)  # same account in another case
    assert throttled.status_code == 429
    assert throttled.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(throttled.headers["retry-after"]) <= 900
    assert throttled.json()["status"] == 429


async def test_a_success_forgets_the_clients_failures(platform, auth, clock):
    user = await auth.user()
    for _ in range(4):
        await login(platform, user.email, "wrong-password-1")
    assert (await login(platform, user.email, user.password)).status_code == 200
    for _ in range(5):
        assert (await login(platform, user.email, "wrong-password-1")).status_code == 401
    assert (await login(platform, user.email, "wrong-password-1")).status_code == 429


async def test_parallel_guesses_cannot_slip_past_the_limit(platform, auth, clock):
    user = await auth.user()
    responses = await asyncio.gather(*(login(platform, user.email, f"guess-{i}-x") for i in range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(401) == 5 and statuses.count(429) == 7


async def test_spraying_many_accounts_from_one_address_gets_429(platform):
    statuses = [(await login(platform, f"nobody-{i}@example.com", "wrong-password-1")).status_code for i in range(30)]
    assert statuses == [401] * 20 + [429] * 10


async def test_an_attacker_failing_on_an_account_does_not_lock_its_owner_out(platform, auth, clock):
    admin = await auth.user("ADMIN", "USER")
    async with client_at(platform, "192.0.2.66") as attacker:
        statuses = [(await login(platform, admin.email, f"guess-{i}-x", attacker)).status_code for i in range(50)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    async with client_at(platform, "198.51.100.7") as owner:
        assert (await login(platform, admin.email, admin.password, owner)).status_code == 200


async def test_the_attackers_back_off_grows(platform, auth, clock):
    user = await auth.user()
    for _ in range(5):
        assert (await login(platform, user.email, "wrong-password-1")).status_code == 401
    waits = []
    for _ in range(4):
        throttled = await login(platform, user.email, user.password)  # the right password waits too: no oracle
        assert throttled.status_code == 429
        waits.append(int(throttled.headers["retry-after"]))
        clock[0] += waits[-1] - 0.5
        assert (await login(platform, user.email, "wrong-password-1")).status_code == 429  # not yet
        clock[0] += 0.5
        assert (await login(platform, user.email, "wrong-password-1")).status_code == 401
    assert waits == [1, 2, 4, 8]


async def test_over_the_accounts_budget_guessing_slows_but_a_new_client_still_logs_in(platform, auth, clock):
    throttle = platform.app.state.auth.throttle
    throttle.policy = dataclasses.replace(throttle.policy, per_account=10)
    user = await auth.user()
    for i in range(10):  # a botnet: one guess from each address
        async with client_at(platform, f"203.0.113.{i + 1}") as bot:
            assert (await login(platform, user.email, "wrong-password-1", bot)).status_code == 401
    async with client_at(platform, "203.0.113.100") as bot:
        assert (await login(platform, user.email, "wrong-password-1", bot)).status_code == 401
        assert (await login(platform, user.email, "wrong-password-1", bot)).status_code == 429  # no free guesses
    async with client_at(platform, "198.51.100.8") as owner:
        assert (await login(platform, user.email, user.password, owner)).status_code == 200


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
