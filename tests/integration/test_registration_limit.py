"""Registration is limited per client address (REGISTRATION_MAX_PER_ADDRESS per REGISTRATION_WINDOW_SECONDS)."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-9"


async def register(client: httpx.AsyncClient) -> httpx.Response:
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    return await client.post("/auth/users", json={"email": email, "password": PASSWORD})


async def test_an_address_may_register_ten_accounts_per_window_then_429(platform):
    statuses = [(await register(platform.client)).status_code for _ in range(10)]
    assert statuses == [201] * 10
    refused = await register(platform.client)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 600
    transport = httpx.ASGITransport(app=platform.app, client=("198.51.100.20", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as elsewhere:
        assert (await register(elsewhere)).status_code == 201


async def test_a_limit_of_zero_is_no_limit(platform):
    platform.app.state.auth.registrations.limit = 0
    assert [(await register(platform.client)).status_code for _ in range(12)] == [201] * 12


async def test_taken_emails_count_too(platform):
    """Probing which emails exist (409) costs the same budget as creating accounts."""
    body = {"email": f"taken-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    statuses = [(await platform.client.post("/auth/users", json=body)).status_code for _ in range(11)]
    assert statuses == [201] + [409] * 9 + [429]
