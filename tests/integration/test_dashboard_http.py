"""The four dashboards over HTTP after a small scenario, every figure checked against values counted by hand
(definitions: docs/dashboards.md), read with `?minPosition=` right after the last write; and the range
parameters: empty buckets as zeros, weeks from Monday, bad values refused naming the parameter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.clock import iso
from tests.integration.test_events_rewards import create_event, read
from tests.integration.test_reward_requests_http import decide, offer, request_reward

pytestmark = pytest.mark.integration
ZERO_ACTIVITY = {"activities": 0, "activeUsers": 0, "newUsers": 0}


async def record(platform: Any, operator: dict[str, str], user_id: str, occurred_at: datetime) -> str:
    body = {"id": uuid.uuid4().hex, "userId": user_id, "kind": "checkin", "occurredAt": iso(occurred_at)}
    response = await platform.client.post("/activities", json=body, headers=operator)
    assert response.status_code == 202, response.text
    return str(response.headers["Ledger-Position"])


async def test_every_dashboard_figure_is_what_the_scenario_did(platform, auth) -> None:
    operator = (await auth.user("OPERATOR")).headers
    auditor = (await auth.user("AUDITOR")).headers
    u1, u2 = await auth.user(), await auth.user()  # four users, each logged in today: four active today
    promotion = await create_event(platform, operator)
    await create_event(platform, operator, status="INACTIVE")
    first, second = await offer(platform, operator, promotion["id"]), await offer(platform, operator, promotion["id"])
    badge = await platform.client.post("/rewards/badge", json={"name": "Gold", "badgeId": "gold"}, headers=operator)
    assert badge.status_code == 201
    now = datetime.now(UTC)
    two_days_ago = now - timedelta(days=2)
    await record(platform, operator, u1.id, two_days_ago)
    await record(platform, operator, u2.id, now)
    approved = (await request_reward(platform, u1.headers, promotion["id"], first)).json()["id"]
    rejected = (await request_reward(platform, u2.headers, promotion["id"], first)).json()["id"]
    await request_reward(platform, u1.headers, promotion["id"], second)
    await decide(platform, operator, approved, {"status": "APPROVED"})
    last = await decide(platform, operator, rejected, {"status": "REJECTED", "reason": "not this time"})
    position = last.headers["Ledger-Position"]  # the last write: every read below must already see it
    window = {"from": iso(now - timedelta(days=3)), "to": iso(now), "bucket": "day"}
    days = [iso(datetime(d.year, d.month, d.day, tzinfo=UTC)) for d in (now - timedelta(days=n) for n in (3, 2, 1, 0))]

    events = {"active": 1, "inactive": 1, "total": 2}
    rewards = {"point": 2, "item": 0, "coupon": 0, "badge": 1, "total": 3}
    requests = {"pending": 1, "approved": 1, "rejected": 1, "total": 3}
    overview = await read(platform, "/dashboard", auditor, position)
    assert {k: v for k, v in overview.items() if k != "activeUsers"} == {
        "eventsByStatus": events, "rewardsByType": rewards, "requestsByStatus": requests, "users": 4}
    assert overview["activeUsers"]["count"] == 4 and overview["activeUsers"]["windowDays"] == 30

    event_analytics = await read(platform, "/dashboard/event-analytics", operator, position, **window)
    assert event_analytics == {**window, "from": window["from"], "statusDistribution": events,
                               "rewardsPerEvent": {"events": 2, "attachedRewards": 2, "average": 1.0},
                               "eventsTimeline": [{"start": d, "eventsCreated": n} for d, n in zip(days, [0, 0, 0, 2],
                                                                                                   strict=True)]}

    reward_analytics = await read(platform, "/dashboard/reward-analytics", operator, position, **window)
    assert reward_analytics["rewardTypeDistribution"] == rewards
    assert reward_analytics["requestStatusDistribution"] == requests
    assert reward_analytics["requestsTimeline"] == [{"start": d, "requested": 0, "approved": 0, "rejected": 0}
                                                    for d in days[:3]] + [
        {"start": days[3], "requested": 3, "approved": 1, "rejected": 1}]
    assert reward_analytics["approvalRate"] == {"approved": 1, "decided": 2, "rate": 0.5}
    decided = reward_analytics["timeToDecision"]
    assert decided["decided"] == 2 and decided["bins"][0] == {"upToSeconds": 60, "count": 2}  # decided at once
    assert decided["p50Seconds"] == 60 and 0 <= decided["meanSeconds"] < 60

    users = await read(platform, "/dashboard/user-analytics", operator, position, **window)
    assert users["participationRate"] == {"participants": 2, "users": 4, "rate": 0.5}
    assert users["activeUsers"]["count"] == 4 and users["newUsers"] == 4
    assert users["activityTimeline"] == [
        {"start": days[0], **ZERO_ACTIVITY}, {"start": days[1], "activities": 1, "activeUsers": 1, "newUsers": 0},
        {"start": days[2], **ZERO_ACTIVITY}, {"start": days[3], "activities": 1, "activeUsers": 4, "newUsers": 4}]


async def test_week_buckets_start_on_monday_and_empty_ones_are_zeros(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    wednesday, next_tuesday = "2026-11-25T15:00:00Z", "2026-12-08T01:00:00Z"
    answer = await read(platform, "/dashboard/user-analytics", operator, 0, **{
        "from": wednesday, "to": next_tuesday, "bucket": "week"})
    assert [b["start"] for b in answer["activityTimeline"]] == [
        "2026-11-23T00:00:00.000Z", "2026-11-30T00:00:00.000Z", "2026-12-07T00:00:00.000Z"]
    hours = await read(platform, "/dashboard/event-analytics", operator, 0, **{
        "from": "2020-01-01T10:30:00Z", "to": "2020-01-01T12:00:00+00:00", "bucket": "hour"})
    assert hours["eventsTimeline"] == [{"start": f"2020-01-01T{h}:00:00.000Z", "eventsCreated": 0}
                                       for h in ("10", "11", "12")]


@pytest.mark.parametrize(("params", "named"), [
    ({"bucket": "month"}, "bucket"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01T00:00:00Z"}, "to"),
    ({"from": "0001-01-01T00:00:00+14:00"}, "from"),
    ({"from": "2026-12-01T00:00:00Z", "to": "9999-12-31T23:59:59Z", "bucket": "week"}, "to"),
    ({"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "from"),
    ({"from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "bucket": "hour"}, "bucket"),
])
async def test_a_bad_range_is_a_400_naming_the_parameter(platform, auth, params, named) -> None:
    operator = await auth.headers("OPERATOR")
    for route in ("/dashboard/event-analytics", "/dashboard/reward-analytics", "/dashboard/user-analytics"):
        response = await platform.client.get(route, headers=operator, params=params)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["path"] for e in response.json()["errors"]] == [f"/{named}"]
