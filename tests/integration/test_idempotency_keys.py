"""Idempotency-Key with the IETF httpapi draft's semantics (SPEC "Contract details"): scoped to the signed-in user,
not to the token string; anonymous keys bound to the body they came with; a replay says `Idempotent-Replayed: true`;
another body or route under the same key is 422, a retry while the first runs is 409; answers carrying tokens are
never kept."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from commands.store.mongo import MongoEventStore
from tests.integration.conftest import PASSWORD, refresh_cookie_of

pytestmark = pytest.mark.integration
POINTS = {"name": "Five points", "points": 5}


async def stored_types(platform: Any) -> list[str]:
    return [e.type for e in await MongoEventStore(platform.db).read_all(1)]


async def forget_keys(platform: Any) -> None:
    """What a Valkey restart without persistence, or the end of the TTL, does to stored answers."""
    redis = Redis.from_url(platform.env["REDIS_URL"])
    try:
        keys = [key async for key in redis.scan_iter("idem:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def stored_answers(platform: Any) -> list[bytes]:
    redis = Redis.from_url(platform.env["REDIS_URL"])
    try:
        return [await redis.get(key) or b"" async for key in redis.scan_iter("idem:*")]
    finally:
        await redis.aclose()


async def test_a_retry_after_a_token_refresh_is_the_same_request(platform, auth):
    operator = await auth.user("OPERATOR")
    key = {"Idempotency-Key": f"reward-{uuid.uuid4()}"}
    first = await platform.client.post("/rewards/point", json=POINTS, headers=operator.headers | key)
    refreshed = await platform.client.post("/auth/refresh",
                                           headers={"Cookie": f"refresh_token={operator.refresh_token}"})
    new_token = {"Authorization": f"Bearer {refreshed.json()['accessToken']}"}
    assert new_token != operator.headers
    retry = await platform.client.post("/rewards/point", json=POINTS, headers=new_token | key)
    assert first.status_code == retry.status_code == 201
    assert retry.headers.get("Idempotent-Replayed") == "true" and retry.json() == first.json()
    assert (await stored_types(platform)).count("RewardCreated") == 1


async def test_another_user_with_the_same_key_gets_an_answer_of_its_own(platform, auth):
    alice, bob = await auth.user("OPERATOR"), await auth.user("OPERATOR")
    key = {"Idempotency-Key": "shared-key"}
    first = await platform.client.post("/rewards/point", json=POINTS, headers=alice.headers | key)
    second = await platform.client.post("/rewards/point", json=POINTS, headers=bob.headers | key)
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers and second.json()["id"] != first.json()["id"]


async def test_the_same_key_with_another_body_or_route_is_422(platform, auth):
    operator = await auth.headers("OPERATOR")
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = await platform.client.post("/rewards/point", json=POINTS, headers=operator | key)
    assert first.status_code == 201
    other_body = await platform.client.post("/rewards/point", json=POINTS | {"points": 6}, headers=operator | key)
    other_route = await platform.client.post("/rewards/badge", json={"name": "B", "badgeId": "b1"},
                                             headers=operator | key)
    for response in (other_body, other_route):
        assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem")
    assert (await stored_types(platform)).count("RewardCreated") == 1


async def test_a_retry_while_the_first_is_in_flight_is_409(platform, auth):
    operator = await auth.headers("OPERATOR")
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    bus = platform.app.state.gateway.bus
    entered, release = asyncio.Event(), asyncio.Event()
    original = bus.send

    async def held_send(*args: Any, **kwargs: Any) -> Any:  # holds the first command at the bus
        entered.set()
        await release.wait()
        return await original(*args, **kwargs)

    bus.send = held_send
    try:
        first = asyncio.create_task(platform.client.post("/rewards/point", json=POINTS, headers=operator | key))
        await entered.wait()
        retry = await platform.client.post("/rewards/point", json=POINTS, headers=operator | key)
        assert retry.status_code == 409 and retry.headers.get("Retry-After")
        release.set()
        assert (await first).status_code == 201
    finally:
        release.set()
        bus.send = original
    again = await platform.client.post("/rewards/point", json=POINTS, headers=operator | key)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"


async def test_an_anonymous_key_is_bound_to_its_body_even_after_the_answer_is_forgotten(platform):
    key = {"Idempotency-Key": "signup-1"}
    alice = {"email": f"alice-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    bob = {"email": f"bob-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    first = await platform.client.post("/auth/users", json=alice, headers=key)
    assert first.status_code == 201
    clash = await platform.client.post("/auth/users", json=bob, headers=key)
    assert clash.status_code == 422 and alice["email"] not in clash.text
    await forget_keys(platform)
    later = await platform.client.post("/auth/users", json=bob, headers=key)
    assert later.status_code == 201, later.text
    assert later.json()["email"] == bob["email"] and later.json()["id"] != first.json()["id"]
    assert (await platform.client.post("/auth/login", json=bob)).status_code == 200


async def test_a_retried_registration_is_the_same_command_after_its_answer_is_forgotten(platform):
    key = {"Idempotency-Key": "signup-2"}
    body = {"email": f"carol-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    first = await platform.client.post("/auth/users", json=body, headers=key)
    await forget_keys(platform)
    retry = await platform.client.post("/auth/users", json=body, headers=key)
    assert first.status_code == 201 and retry.status_code in (201, 409)
    assert (await stored_types(platform)).count("UserRegistered") == 1


async def test_answers_carrying_tokens_are_never_stored(platform, auth):
    user = await auth.user()
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    login = {"email": user.email, "password": user.password}
    first = await platform.client.post("/auth/login", json=login, headers=key)
    platform.client.cookies.clear()
    again = await platform.client.post("/auth/login", json=login, headers=key)
    platform.client.cookies.clear()
    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in again.headers
    cookie = {"Cookie": f"refresh_token={refresh_cookie_of(again)}"}
    refreshed = await platform.client.post("/auth/refresh", headers=cookie | {"Idempotency-Key": "r-1"})
    platform.client.cookies.clear()
    assert refreshed.status_code == 200 and "Idempotent-Replayed" not in refreshed.headers
    stored = b"".join(await stored_answers(platform))
    for secret in (first.json()["accessToken"], again.json()["accessToken"], refreshed.json()["accessToken"],
                   refresh_cookie_of(first), refresh_cookie_of(refreshed)):
        assert secret.encode() not in stored
    assert b"accessToken" not in stored and b"refresh_token" not in stored
