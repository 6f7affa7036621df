"""A handler process killed while approvals are in flight grants nothing twice and loses nothing: two replicas in
one queue group, one SIGKILLed after a quarter of the approvals (some stored and not yet answered, some not yet
stored), clients retrying with their Idempotency-Key until they get an answer. The store must then hold exactly
the stock in grants, one per approved request, one decision per request.

The crash point is not made deterministic here (that would need a fault hook in the handlers); the deterministic
"stored, reply lost" case is tests/integration/test_reward_request_concurrency.py
`test_an_approval_stored_but_never_answered_is_answered_on_retry`."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from bench.read_your_writes_bench import PASSWORD, operator_headers
from commands.store.mongo import MongoEventStore
from domain.reward_request import (
    OUT_OF_STOCK,
    RewardGranted,
    RewardRequestApproved,
    RewardRequestRejected,
)
from tests.e2e.conftest import wait_ready

pytestmark = pytest.mark.e2e
REQUESTS, STOCK = 120, 30


async def until_answered(send: Any) -> httpx.Response:
    """Retry what a handler outage or an in-flight twin answers (503, 409 about the Idempotency-Key)."""
    for attempt in range(40):
        response: httpx.Response = await send()
        in_flight = response.status_code == 409 and "Idempotency-Key" in response.json().get("detail", "")
        if response.status_code != 503 and not in_flight:
            return response
        await asyncio.sleep(min(0.1 * (attempt + 1), 1.0))
    return response


async def user_headers(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"grant-{uuid.uuid4().hex[:8]}@example.com"
    registered = await until_answered(lambda: client.post("/auth/users", json={"email": email, "password": PASSWORD},
                                                          headers={"Idempotency-Key": email}))
    assert registered.status_code == 201, registered.text
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['accessToken']}"}


async def offer(client: httpx.AsyncClient, operator: dict[str, str]) -> tuple[str, str]:
    event = await client.post("/events", headers=operator, json={"name": "Hot", "periodStart": "2026-11-01T00:00:00Z"})
    assert event.status_code == 201, event.text
    reward = await client.post("/rewards/point", json={"name": "100P", "points": 100}, headers=operator)
    assert reward.status_code == 201, reward.text
    event_id, reward_id = event.json()["id"], reward.json()["id"]
    attached = await client.post(f"/events/{event_id}/rewards", headers=operator,
                                 json={"rewardId": reward_id, "stock": STOCK, "perUserLimit": REQUESTS})
    assert attached.status_code == 201, attached.text
    return event_id, reward_id


async def test_killing_a_handler_during_approvals_grants_exactly_the_stock_once(part_env, spawn, mongo_db):
    first = spawn(["handlers"], part_env, "handlers-a")
    spawn(["handlers"], part_env, "handlers-b")
    spawn(["gateway"], part_env)
    base = f"http://127.0.0.1:{part_env['GATEWAY_PORT']}"
    await asyncio.to_thread(wait_ready, base)
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        operator = await operator_headers(client, mongo_db)
        user = await user_headers(client)
        event_id, reward_id = await offer(client, operator)
        url = f"/events/{event_id}/request-reward"
        body = {"rewardId": reward_id}
        requested = await asyncio.gather(*(until_answered(
            lambda n=n: client.post(url, headers=user | {"Idempotency-Key": f"request-{n}"}, json=body))
            for n in range(REQUESTS)))
        assert [r.status_code for r in requested] == [201] * REQUESTS, [r.text for r in requested]
        ids = [r.json()["id"] for r in requested]

        done, quarter_done, semaphore = 0, asyncio.Event(), asyncio.Semaphore(16)

        async def approve(request_id: str) -> httpx.Response:
            nonlocal done
            headers = operator | {"Idempotency-Key": f"approve-{request_id}"}
            async with semaphore:
                answer = await until_answered(lambda: client.patch(f"/reward-requests/{request_id}", headers=headers,
                                                                   json={"status": "APPROVED"}))
            done += 1
            if done >= REQUESTS // 4:
                quarter_done.set()
            return answer

        tasks = [asyncio.create_task(approve(i)) for i in ids]
        await quarter_done.wait()
        first.send_signal(signal.SIGKILL)  # with approvals in flight on it
        answers = dict(zip(ids, await asyncio.gather(*tasks), strict=True))

    store = MongoEventStore(mongo_db)
    try:
        events = [e.event for e in await store.read_all(1, 100_000)]
    finally:
        await store.close()
    decisions = [e for e in events if isinstance(e, RewardRequestApproved | RewardRequestRejected)]
    assert Counter(e.request_id for e in decisions) == dict.fromkeys(ids, 1), decisions  # each decided once
    approved = {e.request_id for e in decisions if isinstance(e, RewardRequestApproved)}
    assert len(approved) == STOCK
    assert {e.reason for e in decisions if isinstance(e, RewardRequestRejected)} == {OUT_OF_STOCK}
    assert Counter(e.request_id for e in events if isinstance(e, RewardGranted)) == dict.fromkeys(approved, 1)
    by_decision = {e.request_id: "APPROVED" if isinstance(e, RewardRequestApproved) else "REJECTED"
                   for e in decisions}
    for request_id, answer in answers.items():
        # A retry of an approval that was stored but never answered gets what was stored, not a 409.
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == by_decision[request_id]
