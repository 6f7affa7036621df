"""The first slice end to end: HTTP -> NATS command -> store -> JetStream -> read model -> HTTP read."""

from __future__ import annotations

import asyncio
import json

import pytest
from nats.aio.client import Client as NatsClient

from commands.store.mongo import MongoEventStore
from projections.pointers import load_pointer

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-9"


async def register(platform, email: str, **headers: str):
    return await platform.client.post("/auth/users", json={"email": email, "password": PASSWORD}, headers=headers)


async def test_registration_flows_through_store_jetstream_and_read_model(platform):
    nc = NatsClient()
    await nc.connect(platform.env["NATS_URL"], **platform.nats_login("game-server"))
    js = nc.jetstream()
    response = await register(platform, "Player.One@Example.com", **{"X-Correlation-Id": "corr-42"})
    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "player.one@example.com" and user["roles"] == ["USER"]
    assert "password" not in response.text and "Hash" not in response.text
    position = int(response.headers["Ledger-Position"])

    events = await MongoEventStore(platform.db).read_all(1)
    assert [(e.type, e.position, e.correlation_id) for e in events] == [("UserRegistered", position, "corr-42")]

    sub = await js.pull_subscribe("rewards.evt.User.>", durable=None, stream="REWARDS_EVENTS")
    [msg] = await sub.fetch(1, timeout=5)
    envelope = json.loads(msg.data)
    assert msg.subject == "rewards.evt.User.UserRegistered"
    assert msg.headers["Nats-Msg-Id"] == events[0].event_id
    assert envelope["data"]["userId"] == user["id"] and "passwordHash" not in envelope["data"]
    assert envelope["correlationId"] == "corr-42"
    await nc.close()

    ptr = await load_pointer(platform.db, "users")
    for _ in range(200):
        if (ptr := await load_pointer(platform.db, "users")).position >= position:
            break
        await asyncio.sleep(0.02)
    doc = await platform.db[ptr.collection].find_one({"_id": user["id"]})
    assert doc["email"] == "player.one@example.com" and doc["createdAt"] == user["createdAt"]


async def test_concurrent_registrations_of_one_email_in_different_cases_give_one_201(platform):
    emails = [f"{'SaMe' if i % 2 else 'same'}{'@EXAMPLE.com' if i % 3 else '@example.COM'}" for i in range(20)]
    platform.app.state.auth.registrations.limit = len(emails)  # one client address sends them all
    responses = await asyncio.gather(*(register(platform, e) for e in emails))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19
    events = await MongoEventStore(platform.db).read_all(1)
    assert [e.type for e in events] == ["UserRegistered"]


async def test_idempotency_key_retry_returns_first_answer_and_stores_once(platform):
    first = await register(platform, "retry@example.com", **{"Idempotency-Key": "k-1"})
    again = await register(platform, "retry@example.com", **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Ledger-Position"] == first.headers["Ledger-Position"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = await platform.client.post("/auth/users", json={"email": "other@example.com", "password": PASSWORD},
                                       headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert len(await MongoEventStore(platform.db).read_all(1)) == 1


@pytest.mark.parametrize(("body", "status", "path"), [
    (b'{"email": "a@b.co", "password": ', 400, None),
    (b'[1, 2]', 422, ""),
    (b'{"email": 5, "password": "long-enough-1"}', 422, "/email"),
    (b'{"email": "a@b.co", "password": "long-enough-1", "admin": true}', 422, "/admin"),
    (b'{"email": "not-an-email", "password": "long-enough-1"}', 422, "/email"),
    (b'{"email": "a@b.co", "password": "short"}', 422, "/password"),
    (b'{"email": "a@b.co"}', 422, "/password"),
])
async def test_bad_registration_input_is_a_clear_4xx_and_stores_nothing(platform, body, status, path):
    response = await platform.client.post("/auth/users", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"]
    if path is not None:
        assert path in [e["path"] for e in problem["errors"]]
    assert await MongoEventStore(platform.db).head() == 0


async def test_huge_body_is_refused_with_413(platform):
    body = json.dumps({"email": "a@b.co", "password": "x" * 200_000}).encode()
    response = await platform.client.post("/auth/users", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_health_ready_reports_each_dependency(platform):
    response = await platform.client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"nats": "ok", "store": "ok", "redis": "ok"}
    assert (await platform.client.get("/health/live")).status_code == 200
    assert (await platform.client.get("/auth/test")).status_code == 200


async def test_metrics_expose_http_and_command_latency(platform):
    await register(platform, "metrics@example.com")
    text = (await platform.client.get("/metrics")).text
    assert 'ledger_http_request_seconds_count{method="POST",route="/auth/users",status="201"}' in text
    assert 'ledger_command_seconds_count{command="RegisterUser",outcome="ok",side="gateway"}' in text
    assert "ledger_store_append_seconds_count" in text


async def test_docs_are_served_offline(platform):
    page = await platform.client.get("/docs")
    assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert (await platform.client.get("/docs/assets/swagger-ui-bundle.js")).status_code == 200
    schema = (await platform.client.get("/docs/openapi.json")).json()
    assert "/auth/users" in schema["paths"]
