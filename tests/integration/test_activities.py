"""Activity facts end to end: over HTTP (an operator, or a game server's service token) and over NATS
(`rewards.activity.<kind>`, fire-and-forget and request-reply), de-duplicated by id, folded into `user_facts`, and
answering an event reward's condition through the preview."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from commands.store.mongo import MongoEventStore
from domain.clock import iso
from tests.integration.known_users import register_users

pytestmark = pytest.mark.integration
SERVICE_TOKEN = "game-server-secret-" + uuid.uuid4().hex
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
RULE = {"all": [{"login_days": {"min": 3, "consecutive": True}},
                {"any": [{"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}


@pytest.fixture(autouse=True)
def service_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set before the platform fixture builds the app, which reads SERVICE_TOKEN once."""
    monkeypatch.setenv("SERVICE_TOKEN", SERVICE_TOKEN)


@pytest.fixture(autouse=True)
async def players(service_token: None, platform: Any) -> None:
    """The players these tests report about by name (reports for unknown users are refused)."""
    store = MongoEventStore(platform.db)
    await register_users(store, "alice", "bob", "carol", "dave", "erin")
    await store.close()


def days_ago(n: int) -> str:
    """A time on the UTC day n days ago: its first minute, so today's is never in the future (noon was, before
    12:00 UTC, and the platform refuses reports more than 10 minutes ahead)."""
    return iso(datetime.now(UTC).replace(hour=0, minute=0, second=1) - timedelta(days=n)) or ""


def activity(user: str, kind: str, day: int, **fields: Any) -> dict[str, Any]:
    return {"id": fields.pop("id", uuid.uuid4().hex), "userId": user, "kind": kind, "occurredAt": days_ago(day)} \
        | fields


async def post_activity(platform: Any, body: dict[str, Any], headers: dict[str, str] = SERVICE) -> dict[str, Any]:
    response = await platform.client.post("/activities", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return dict(response.json()) | {"position": int(response.headers["Ledger-Position"])}


async def preview(platform: Any, headers: dict[str, str], position: int, condition: Any = RULE) -> dict[str, Any]:
    body = {"condition": condition, "periodStart": days_ago(10), "periodEnd": None}
    response = await platform.client.post(f"/conditions/preview?minPosition={position}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_facts_from_http_and_nats_answer_an_event_rewards_condition(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    event = (await platform.client.post("/events", headers=operator, json={
        "name": "Streak week", "periodStart": days_ago(10)})).json()
    reward = (await platform.client.post("/rewards/point", headers=operator, json={"name": "P", "points": 5})).json()
    attached = await platform.client.post(f"/events/{event['id']}/rewards", headers=operator,
                                          json={"rewardId": reward["id"], "condition": RULE})
    assert attached.status_code == 201 and attached.json()["condition"] == RULE

    # alice: three consecutive login days over HTTP, two invites over NATS -> eligible
    for day in (3, 2, 1):
        await post_activity(platform, activity("alice", "login", day))
    await post_activity(platform, activity("alice", "login", 1), headers=operator)  # same day again: one day
    nc = NatsClient()
    await nc.connect(platform.env["NATS_URL"], **platform.nats_login("game-server"))
    try:
        await nc.publish("rewards.activity.invite", json.dumps(activity("alice", "invite", 1)).encode())
        reply = await nc.request("rewards.activity.invite", json.dumps(
            {k: v for k, v in activity("alice", "invite", 2).items() if k != "kind"}).encode(), timeout=5)
        answer = json.loads(reply.data)
        assert answer["ok"] and answer["result"]["duplicate"] is False
        # bob: logins, but one invite sent three times (NATS twice, HTTP once) counts once -> not eligible
        for day in (3, 2, 1):
            await nc.publish("rewards.activity.login", json.dumps(activity("bob", "login", day)).encode())
        twice = activity("bob", "invite", 1, id="bob-invite-1")
        first = json.loads((await nc.request("rewards.activity.invite", json.dumps(twice).encode(), timeout=5)).data)
        again = json.loads((await nc.request("rewards.activity.invite", json.dumps(twice).encode(), timeout=5)).data)
        assert (first["result"]["duplicate"], again["result"]["duplicate"]) == (False, True)
        over_http = await post_activity(platform, twice)
        assert over_http["duplicate"] is True
        # carol: purchases over NATS -> eligible by the other branch
        for day in (5, 4, 3):
            await nc.publish("rewards.activity.login", json.dumps(activity("carol", "login", day)).encode())
        last = await nc.request("rewards.activity.purchase", json.dumps(
            activity("carol", "purchase", 4, amount=5000, currency="KRW")).encode(), timeout=5)
        position = json.loads(last.data)["position"]
    finally:
        await nc.close()

    expected_activities = 3 + 1 + 2 + 3 + 1 + 3 + 1
    store = MongoEventStore(platform.db)
    for _ in range(250):  # fire-and-forget publishes land in any order: wait until all are stored
        if sum(e.type == "UserActivityRecorded" for e in await store.read_all(1, 10_000)) == expected_activities:
            break
        await asyncio.sleep(0.02)
    position = max(position, await store.head())
    result = await preview(platform, operator, position)
    assert (result["users"], result["eligible"]) == (3, 2)
    by_user = {s["userId"]: s["evaluation"] for s in result["sample"]}
    assert set(by_user) == {"alice", "carol"}
    assert by_user["alice"]["facts"] == {"consecutive_login_days": 3, "invites": 2, "purchase_total:KRW": 0}
    assert by_user["carol"]["facts"]["purchase_total:KRW"] == 5000
    bob = await preview(platform, operator, position, {"invites": {"min": 1}})
    assert bob["eligible"] == 2  # alice (2) and bob (1, sent three times)
    never = await preview(platform, operator, position, {"not": {"invites": {"min": 1}}})
    assert [s["userId"] for s in never["sample"]] == ["carol"]


async def test_the_same_id_posted_concurrently_is_stored_once(platform, auth) -> None:
    body = activity("dave", "checkin", 0, id="dave-checkin")
    answers = await asyncio.gather(*(post_activity(platform, body) for _ in range(8)))
    assert sorted(a["duplicate"] for a in answers) == [False] + [True] * 7
    events = await MongoEventStore(platform.db).read_all(1)
    assert [e.stream_id for e in events if e.type == "UserActivityRecorded"] == ["Activity-dave-checkin"]


async def test_who_may_report_activities(platform, auth) -> None:
    body = activity("erin", "login", 0)
    assert (await platform.client.post("/activities", json=body)).status_code == 401
    wrong = {"Authorization": "Bearer not-the-service-token"}
    assert (await platform.client.post("/activities", json=body, headers=wrong)).status_code == 401
    for roles, status in [((), 403), (("AUDITOR",), 403), (("OPERATOR",), 202), (("ADMIN",), 202)]:
        response = await platform.client.post("/activities", json=body | {"id": uuid.uuid4().hex},
                                              headers=await auth.headers(*roles))
        assert response.status_code == status, (roles, response.text)
    service = await platform.client.post("/activities", json=body, headers=SERVICE)
    assert service.status_code == 202
    events = await MongoEventStore(platform.db).read_all(1)
    assert {e.actor for e in events if e.type == "UserActivityRecorded"} >= {"service"}


async def test_a_refused_nats_report_is_answered_and_stores_nothing(platform) -> None:
    store = MongoEventStore(platform.db)
    head = await store.head()
    nc = NatsClient()
    await nc.connect(platform.env["NATS_URL"], **platform.nats_login("game-server"))
    try:
        for subject, body in [("rewards.activity.login", b"{not json"),
                              ("rewards.activity.login", json.dumps(activity("x", "invite", 0)).encode()),
                              ("rewards.activity.dance", json.dumps({"id": "d", "userId": "x"}).encode()),
                              ("rewards.activity.purchase", json.dumps(activity("x", "purchase", 0)).encode())]:
            reply = json.loads((await nc.request(subject, body, timeout=5)).data)
            assert reply["ok"] is False and reply["error"]["code"] in ("bad-request", "invalid-input"), reply
    finally:
        await nc.close()
    assert await store.head() == head
