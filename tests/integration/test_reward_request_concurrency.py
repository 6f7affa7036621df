"""Exactly once under concurrency, over HTTP on real servers: concurrent approvals never grant more than the stock,
concurrent requests of one user never pass its perUserLimit, an approval sent twice grants once, autoResolve
approves exactly the stock; and what two handler replicas do to one promotion. Grants are counted in the store,
not only in the answers."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from typing import Any

import pytest
from redis.asyncio import Redis

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store.mongo import MongoEventStore
from domain.activity_facts import UserFacts
from domain.reward_request import OUT_OF_STOCK, RewardGranted, RewardRequestApproved, RewardRequested
from tests.integration.test_events_rewards import create_event, read
from tests.integration.test_reward_requests_http import LOGIN_ONCE, login, offer, remaining

pytestmark = pytest.mark.integration


@pytest.fixture
def server_env(server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two dozen users register from the test's one client address."""
    monkeypatch.setenv("REGISTRATION_MAX_PER_ADDRESS", "0")
    return server_env


async def stored(platform: Any) -> list[Any]:
    store = MongoEventStore(platform.db)
    try:
        return [e.event for e in await store.read_all(1, 100_000)]
    finally:
        await store.close()


def grants_by_request(events: list[Any]) -> Counter[str]:
    return Counter(e.request_id for e in events if isinstance(e, RewardGranted))


async def pending_requests(platform: Any, headers: dict[str, str], event_id: str, reward_id: str, n: int) -> list[str]:
    """`n` PENDING requests of one user (the reward's perUserLimit allows them), sent concurrently."""
    url = f"/events/{event_id}/request-reward"
    answers = await asyncio.gather(*(platform.client.post(url, json={"rewardId": reward_id}, headers=headers)
                                     for _ in range(n)))
    assert [a.status_code for a in answers] == [201] * n, [a.text for a in answers if a.status_code != 201]
    assert {a.json()["status"] for a in answers} == {"PENDING"}
    return [a.json()["id"] for a in answers]


async def test_200_concurrent_approvals_grant_exactly_the_stock_of_50(platform, auth) -> None:
    operator, user = await auth.headers("OPERATOR"), await auth.headers()
    event = await create_event(platform, operator)
    reward_id = await offer(platform, operator, event["id"], stock=50, perUserLimit=200)
    ids = await pending_requests(platform, user, event["id"], reward_id, 200)

    answers = await asyncio.gather(*(platform.client.patch(f"/reward-requests/{i}", json={"status": "APPROVED"},
                                                           headers=operator) for i in ids))
    assert [a.status_code for a in answers] == [200] * 200, [a.text for a in answers if a.status_code != 200]
    outcomes = Counter((a.json()["status"], a.json()["reason"]) for a in answers)
    assert outcomes == {("APPROVED", None): 50, ("REJECTED", OUT_OF_STOCK): 150}
    approved = {a.json()["id"] for a in answers if a.json()["status"] == "APPROVED"}
    assert all(a.json()["grant"] is not None for a in answers if a.json()["id"] in approved)

    grants = grants_by_request(await stored(platform))
    assert set(grants) == approved and set(grants.values()) == {1}
    position = max(int(a.headers["Ledger-Position"]) for a in answers)
    assert await remaining(platform, operator, event["id"], reward_id, str(position)) == 0
    listed = await read(platform, "/reward-requests", operator, position, eventId=event["id"], status="APPROVED")
    assert listed["total"] == 50


async def test_50_concurrent_requests_of_one_user_make_one_request(platform, auth) -> None:
    operator, user = await auth.headers("OPERATOR"), await auth.user()
    event = await create_event(platform, operator)
    reward_id = await offer(platform, operator, event["id"], perUserLimit=1)
    url = f"/events/{event['id']}/request-reward"
    answers = await asyncio.gather(*(platform.client.post(url, json={"rewardId": reward_id}, headers=user.headers)
                                     for _ in range(50)))
    assert Counter(a.status_code for a in answers) == {201: 1, 409: 49}
    requested = [e for e in await stored(platform) if isinstance(e, RewardRequested)]
    assert [(e.user_id, e.reward_id) for e in requested] == [(user.id, reward_id)]


def idempotency_entry(user_id: str, key: str) -> str:
    """The gateway's Redis key for a user's Idempotency-Key (gateway/idempotency.py `IdempotentRequest`)."""
    return "idem:" + hashlib.sha256(f"user:{user_id}\n{key}".encode()).hexdigest()


async def test_the_same_approval_twice_grants_once(platform, auth) -> None:
    operator, user = await auth.user("OPERATOR"), await auth.headers()
    event = await create_event(platform, operator.headers)
    reward_id = await offer(platform, operator.headers, event["id"], stock=10, perUserLimit=3)
    keyed, keyed_at_once, unkeyed = await pending_requests(platform, user, event["id"], reward_id, 3)
    approve = {"status": "APPROVED"}

    def patch(request_id: str, key: str | None = None) -> Any:
        headers = operator.headers | ({"Idempotency-Key": key} if key else {})
        return platform.client.patch(f"/reward-requests/{request_id}", json=approve, headers=headers)

    first, retry = await patch(keyed, "approve-1"), await patch(keyed, "approve-1")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"

    # At once with one key: one runs, the other is replayed or told the first is still in flight.
    both = await asyncio.gather(patch(keyed_at_once, "approve-2"), patch(keyed_at_once, "approve-2"))
    ran = [a for a in both if a.status_code == 200 and "Idempotent-Replayed" not in a.headers]
    assert len(ran) == 1 and ran[0].json()["status"] == "APPROVED"
    assert all(a.status_code == 409 or a.json() == ran[0].json() for a in both)

    # Without a key they are two decisions: the second finds the request decided.
    both = await asyncio.gather(patch(unkeyed), patch(unkeyed))
    assert sorted(a.status_code for a in both) == [200, 409]

    grants = grants_by_request(await stored(platform))
    assert grants == {keyed: 1, keyed_at_once: 1, unkeyed: 1}


async def test_an_approval_stored_but_never_answered_is_answered_on_retry(platform, auth) -> None:
    """The handler stored the approval and its reply was lost (a crash, a time-out: the gateway keeps no 5xx
    answer). Dropping the gateway's Redis entry for the key leaves exactly that state; the client's retry with
    the same Idempotency-Key is the same command and must get the approval, not a conflict."""
    operator, user = await auth.user("OPERATOR"), await auth.headers()
    event = await create_event(platform, operator.headers)
    reward_id = await offer(platform, operator.headers, event["id"], stock=1)
    (request_id,) = await pending_requests(platform, user, event["id"], reward_id, 1)
    headers = operator.headers | {"Idempotency-Key": "lost-reply"}
    url = f"/reward-requests/{request_id}"
    first = await platform.client.patch(url, json={"status": "APPROVED"}, headers=headers)
    assert first.status_code == 200
    redis = Redis.from_url(platform.env["REDIS_URL"])
    try:
        assert await redis.delete(idempotency_entry(operator.id, "lost-reply")) == 1
    finally:
        await redis.aclose()
    retry = await platform.client.patch(url, json={"status": "APPROVED"}, headers=headers)
    assert grants_by_request(await stored(platform)) == {request_id: 1}
    assert retry.status_code == 200, retry.text
    assert retry.json() == first.json()


async def test_auto_resolve_with_stock_5_approves_exactly_5_of_24_eligible_users(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    event = await create_event(platform, operator)
    reward_id = await offer(platform, operator, event["id"], condition=LOGIN_ONCE, autoResolve=True, stock=5)
    users = [await auth.user() for _ in range(24)]
    seen = max([int(await login(platform, operator, u.id)) for u in users])
    url = f"/events/{event['id']}/request-reward"
    answers = await asyncio.gather(*(platform.client.post(url, json={"rewardId": reward_id}, headers=u.headers,
                                                          params={"minPosition": seen}) for u in users))
    assert [a.status_code for a in answers] == [201] * 24, [a.text for a in answers if a.status_code != 201]
    assert all(a.json()["evaluation"]["eligible"] for a in answers)
    assert Counter((a.json()["status"], a.json()["reason"]) for a in answers) == {
        ("APPROVED", None): 5, ("REJECTED", OUT_OF_STOCK): 19}
    events = await stored(platform)
    approved = {e.request_id for e in events if isinstance(e, RewardRequestApproved)}
    assert len(approved) == 5 and grants_by_request(events) == dict.fromkeys(approved, 1)




class NoFacts:
    """Nobody did anything: no store read before the decision, so the two requests below reach B's desk together."""

    async def facts_of(self, user_id: str, min_position: int | None) -> UserFacts:
        return UserFacts(user_id)


async def test_two_replicas_on_one_promotion_keep_the_per_user_limit(platform, auth) -> None:
    """Two handler processes are two desks over one store: here two MongoEventStore clients in this process, so
    the interleaving is chosen, not hoped for. Replica B's cache misses A's request of u0; B then decides requests
    of u1 and u0 in one batch: its first commit loses to A's, and its second must not be stored on top."""
    operator = await auth.headers("OPERATOR")
    event = await create_event(platform, operator)
    reward_id = await offer(platform, operator, event["id"], perUserLimit=1)
    a, b = MongoEventStore(platform.db), MongoEventStore(platform.db)

    async def request_as(replica: MongoEventStore, user: str) -> Any:
        return await dispatch("RequestReward", {"eventId": event["id"], "rewardId": reward_id},
                              Caller(uuid.uuid4().hex, Actor(user, frozenset({"USER"}))), replica, facts=NoFacts())

    try:
        assert (await request_as(b, "u2")).ok  # B has the promotion cached from here on
        assert (await request_as(a, "u0")).ok
        await asyncio.gather(request_as(b, "u1"), request_as(b, "u0"))
    finally:
        await a.close()
        await b.close()
    requested = [e for e in await stored(platform) if isinstance(e, RewardRequested)]
    assert sorted(e.user_id for e in requested) == ["u0", "u1", "u2"]
