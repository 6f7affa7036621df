"""Issue 7 finding: a purchase of 10^12 for any user, or for a user who does not exist, was accepted and counted by
the condition preview. Now a report for an unknown user is 404 (a typed `not-found` reply over NATS) and an amount
past its kind's bound is 422 (`invalid-input`), and neither is stored nor counted."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from commands.store.mongo import MongoEventStore
from tests.integration.known_users import register_users

pytestmark = pytest.mark.integration
SERVICE_TOKEN = "game-server-secret-" + uuid.uuid4().hex
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
MAX_PURCHASE = 10**10  # documented in docs/design.md and domain.activity_facts.MAX_REPORTED_AMOUNT
TOO_MUCH = [("purchase", 10**12, {"currency": "KRW"}), ("purchase", MAX_PURCHASE + 1, {"currency": "KRW"}),
            ("level", 10_001, {}), ("invite", 10**6 + 1, {})]


@pytest.fixture(autouse=True)
def service_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_TOKEN", SERVICE_TOKEN)


def report(user: str, kind: str, amount: int = 1, **fields: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "userId": user, "kind": kind, "amount": amount, **fields}


async def nats_reply(platform: Any, body: dict[str, Any]) -> dict[str, Any]:
    nc = NatsClient()
    await nc.connect(platform.env["NATS_URL"], **platform.nats_login("game-server"))
    try:
        return dict(json.loads((await nc.request(f"rewards.activity.{body['kind']}", json.dumps(body).encode(),
                                                 timeout=5)).data))
    finally:
        await nc.close()


async def test_reports_for_unknown_users_or_past_the_bounds_are_refused_and_not_counted(
        service_token: None, platform: Any, auth: Any) -> None:
    store = MongoEventStore(platform.db)
    await register_users(store, "mallory")
    head = await store.head()

    ghost = await platform.client.post("/activities", json=report("nobody", "login"), headers=SERVICE)
    assert ghost.status_code == 404, ghost.text
    assert ghost.json()["errors"] == [{"path": "/userId", "message": "unknown user"}]
    assert (await nats_reply(platform, report("nobody", "login")))["error"]["code"] == "not-found"
    for kind, amount, extra in TOO_MUCH:
        http = await platform.client.post("/activities", json=report("mallory", kind, amount, **extra),
                                          headers=SERVICE)
        assert http.status_code == 422 and http.json()["errors"][0]["path"] == "/amount", (kind, http.text)
        nats = await nats_reply(platform, report("mallory", kind, amount, **extra))
        assert nats["error"]["code"] == "invalid-input" and nats["error"]["errors"][0]["path"] == "/amount"
    assert await store.head() == head

    at_bound = report("mallory", "purchase", MAX_PURCHASE, currency="KRW")
    accepted = await platform.client.post("/activities", json=at_bound, headers=SERVICE)
    assert accepted.status_code == 202, accepted.text
    position = accepted.headers["Ledger-Position"]
    operator = await auth.headers("OPERATOR")
    preview = await platform.client.post(f"/conditions/preview?minPosition={position}", headers=operator, json={
        "condition": {"purchase_total": {"min": 1}}, "periodStart": "2020-01-01T00:00:00Z"})
    assert preview.status_code == 200 and preview.json()["eligible"] == 1, preview.text
    assert [s["userId"] for s in preview.json()["sample"]] == ["mallory"]
    await store.close()
