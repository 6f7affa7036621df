"""The audit trail and a promotion's history over HTTP, read from the store's commits: a scenario with security
events (failed logins, a refresh-token reuse, a role change), a promotion's changes, requests and decisions; each
filter shows exactly its events with actor, correlation id, causation id and time; paging, totals and bad input."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import refresh_cookie_of
from tests.integration.test_events_rewards import create_event
from tests.integration.test_reward_requests_http import decide, offer, request_reward

pytestmark = pytest.mark.integration
ITEM_FIELDS = {"position", "streamId", "type", "data", "actorId", "correlationId", "causationId", "recordedAt"}


def cid(name: str) -> dict[str, str]:
    return {"X-Correlation-Id": f"{name}-{uuid.uuid4().hex[:8]}"}


@dataclass
class Scenario:
    admin: Any
    operator: Any
    victim: Any
    other: Any
    auditor: dict[str, str]
    event_id: str
    reward_id: str
    cids: dict[str, str]
    started: datetime


async def audit(platform: Any, headers: dict[str, str], expect: int = 200, path: str = "/audit",
                **params: Any) -> Any:
    response = await platform.client.get(path, headers=headers, params=params)
    assert response.status_code == expect, response.text
    return response.json()


async def scenario(platform: Any, auth: Any) -> Scenario:
    started = datetime.now(UTC) - timedelta(seconds=1)
    admin, operator, victim, other = (await auth.user("ADMIN"), await auth.user("OPERATOR"), await auth.user(),
                                      await auth.user())
    auditor = await auth.headers("AUDITOR")
    client, cids = platform.client, {}

    def tagged(name: str) -> dict[str, str]:
        cids[name] = cid(name)["X-Correlation-Id"]
        return {"X-Correlation-Id": cids[name]}

    wrong = await client.post("/auth/login", json={"email": victim.email, "password": "wrong-password-1"},
                              headers=tagged("wrong-password"))
    unknown = await client.post("/auth/login", json={"email": f"nobody-{uuid.uuid4().hex[:6]}@example.com",
                                                     "password": "whatever-1"}, headers=tagged("unknown-email"))
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    rotated = await client.post("/auth/refresh", headers={"Cookie": f"refresh_token={victim.refresh_token}"})
    assert rotated.status_code == 200 and refresh_cookie_of(rotated)
    reuse = await client.post("/auth/refresh", headers={"Cookie": f"refresh_token={victim.refresh_token}",
                                                        **tagged("reuse")})
    assert reuse.status_code == 401
    client.cookies.clear()
    roles = await client.patch(f"/auth/users/{victim.id}/roles", json={"roles": ["USER", "OPERATOR"]},
                               headers={**admin.headers, **tagged("roles")})
    assert roles.status_code == 200, roles.text

    event = await create_event(platform, {**operator.headers, **tagged("create")})
    updated = await client.patch(f"/events/{event['id']}", json={"description": "now with prizes"},
                                 headers={**operator.headers, **tagged("update")})
    assert updated.status_code == 200, updated.text
    reward_id = await offer(platform, {**operator.headers, **tagged("attach")}, event["id"], stock=5)
    mine = (await request_reward(platform, {**victim.headers, **tagged("request")}, event["id"], reward_id)).json()
    theirs = (await request_reward(platform, {**other.headers, **tagged("other-request")}, event["id"],
                                   reward_id)).json()
    await decide(platform, {**operator.headers, **tagged("approve")}, mine["id"], {"status": "APPROVED"})
    await decide(platform, {**operator.headers, **tagged("reject")}, theirs["id"],
                 {"status": "REJECTED", "reason": "not this time"})
    return Scenario(admin, operator, victim, other, auditor, event["id"], reward_id, cids, started)


USER_TYPES = ["RewardGranted", "RewardRequestApproved", "RewardRequested", "UserRolesChanged", "RefreshTokenReused",
              "LoginFailed", "UserLoggedIn", "UserRegistered"]
PROMOTION_TYPES = ["RewardRequestRejected", "RewardGranted", "RewardRequestApproved", "RewardRequested",
                   "RewardRequested", "RewardAttachedToEvent", "EventUpdated", "EventCreated"]


def types(page: Any) -> list[str]:
    return [item["type"] for item in page["items"]]


def by_type(page: Any, name: str) -> list[Any]:
    return [item for item in page["items"] if item["type"] == name]


async def test_each_filter_shows_exactly_its_events_with_who_why_and_when(platform, auth) -> None:
    s = await scenario(platform, auth)
    mine = await audit(platform, s.auditor, userId=s.victim.id, limit=100)
    assert types(mine) == USER_TYPES and mine["total"] == len(USER_TYPES)
    positions = [item["position"] for item in mine["items"]]
    assert positions == sorted(positions, reverse=True)
    for item in mine["items"]:
        assert set(item) == ITEM_FIELDS and item["causationId"]
        assert s.started <= datetime.fromisoformat(item["recordedAt"]) <= datetime.now(UTC)
    expected = {  # type -> (actor, correlation id of the HTTP request that caused it)
        "LoginFailed": (None, s.cids["wrong-password"]), "RefreshTokenReused": (None, s.cids["reuse"]),
        "UserRolesChanged": (s.admin.id, s.cids["roles"]), "RewardRequested": (s.victim.id, s.cids["request"]),
        "RewardRequestApproved": (s.operator.id, s.cids["approve"]),
        "RewardGranted": (s.operator.id, s.cids["approve"])}
    for name, (actor, correlation) in expected.items():
        [item] = by_type(mine, name)
        assert (item["actorId"], item["correlationId"]) == (actor, correlation), name
    [roles] = by_type(mine, "UserRolesChanged")
    assert roles["data"] == {"userId": s.victim.id, "roles": ["OPERATOR", "USER"], "previousRoles": ["USER"]}
    [registered] = by_type(mine, "UserRegistered")
    assert "passwordHash" not in registered["data"]

    promotion = await audit(platform, s.auditor, eventId=s.event_id, limit=100)
    assert types(promotion) == PROMOTION_TYPES and promotion["total"] == len(PROMOTION_TYPES)
    assert {item["streamId"] for item in promotion["items"]} == {f"Event-{s.event_id}"}
    assert [item["correlationId"] for item in promotion["items"]] == [
        s.cids[n] for n in ("reject", "approve", "approve", "other-request", "request", "attach", "update", "create")]

    failed = await audit(platform, s.auditor, type="LoginFailed")
    assert [(i["streamId"], i["correlationId"]) for i in failed["items"]] == [
        (f"User-{s.victim.id}", s.cids["wrong-password"])] and failed["total"] == 1
    unknown = await audit(platform, s.auditor, type="UnknownLoginFailed")
    [attempt] = unknown["items"]
    assert attempt["streamId"].startswith("LoginAttempt-") and attempt["correlationId"] == s.cids["unknown-email"]
    assert set(attempt["data"]) == {"attemptId", "failedAt"}  # the attempted email is not kept

    stream = await audit(platform, s.auditor, streamId=f"User-{s.victim.id}")
    assert types(stream) == ["UserRolesChanged", "RefreshTokenReused", "LoginFailed", "UserLoggedIn",
                             "UserRegistered"] and stream["total"] == 5
    both = await audit(platform, s.auditor, userId=s.victim.id, eventId=s.event_id)
    assert types(both) == ["RewardGranted", "RewardRequestApproved", "RewardRequested"] and both["total"] == 3
    role_changes = await audit(platform, s.auditor, userId=s.victim.id, type="UserRolesChanged")
    assert role_changes["items"] == [roles] and role_changes["total"] == 1

    at = roles["recordedAt"]  # from and to are inclusive
    window = await audit(platform, s.auditor, userId=s.victim.id, **{"from": at, "to": at})
    assert window["items"] == [roles] and window["total"] == 1
    later = await audit(platform, s.auditor, **{"from": (datetime.now(UTC) + timedelta(hours=1)).isoformat()})
    assert later == {"items": [], "total": 0, "page": 1, "limit": 20}
    nobody = await audit(platform, s.auditor, userId="no-such-user")
    assert (nobody["items"], nobody["total"]) == ([], 0)


async def test_a_promotions_history_lists_its_changes_requests_and_decisions(platform, auth) -> None:
    s = await scenario(platform, auth)
    history = await audit(platform, s.operator.headers, path=f"/events/{s.event_id}/history", limit=100)
    assert types(history) == PROMOTION_TYPES and history["total"] == len(PROMOTION_TYPES)
    assert history == await audit(platform, s.auditor, eventId=s.event_id, limit=100)
    [updated] = by_type(history, "EventUpdated")
    assert updated["actorId"] == s.operator.id and updated["data"]["description"] == "now with prizes"
    [rejected] = by_type(history, "RewardRequestRejected")
    assert rejected["data"]["userId"] == s.other.id and rejected["data"]["reason"] == "not this time"
    second = await audit(platform, s.auditor, path=f"/events/{s.event_id}/history", page=2, limit=3)
    assert second["items"] == history["items"][3:6] and second["total"] == len(PROMOTION_TYPES)
    await audit(platform, s.auditor, 404, path=f"/events/{uuid.uuid4().hex}/history")
    await audit(platform, s.victim.headers, 403, path=f"/events/{s.event_id}/history")
    await audit(platform, s.operator.headers, 403)  # the whole audit is ADMIN/AUDITOR only


@pytest.mark.parametrize("params", [{}, "stream", "user", "type"])
async def test_pages_cover_every_event_once_and_total_is_exact(platform, auth, params) -> None:
    s = await scenario(platform, auth)
    params = {"stream": {"streamId": f"User-{s.victim.id}"}, "user": {"userId": s.victim.id},
              "type": {"type": "UserLoggedIn"}}.get(params, {}) if isinstance(params, str) else params
    everything = await audit(platform, s.auditor, limit=100, **params)
    assert everything["total"] == len(everything["items"]) > 0
    if not params:
        assert [i["position"] for i in everything["items"]] == list(range(everything["total"], 0, -1))
    paged, page = [], 1
    while chunk := (await audit(platform, s.auditor, page=page, limit=3, **params))["items"]:
        paged += chunk
        page += 1
    assert paged == everything["items"]
    beyond = await audit(platform, s.auditor, page=page + 5, limit=3, **params)
    assert (beyond["items"], beyond["total"]) == ([], everything["total"])


@pytest.mark.parametrize(("params", "name"), [
    ({"from": "yesterday"}, "from"), ({"to": "2026-13-40T00:00:00Z"}, "to"),
    ({"to": "2026-11-25T10:00:00"}, "to"),  # no zone: which day would that be?
    ({"from": "0001-01-01T00:00:00+05:00"}, "from"),  # before year 1 in UTC
    ({"from": "2026-11-26T00:00:00Z", "to": "2026-11-25T00:00:00Z"}, "from"),
    ({"limit": "0"}, "limit"), ({"page": "0"}, "page"), ({"minPosition": "-1"}, "minPosition"),
    ({"userId": "u1", "page": "200", "limit": "100"}, "page"),  # a walked page deeper than the bound
])
async def test_bad_parameters_are_400_naming_them(platform, auth, params, name) -> None:
    response = await platform.client.get("/audit", headers=await auth.headers("AUDITOR"), params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"/{name}" in [e["path"] for e in response.json()["errors"]]


async def test_min_position_is_met_once_the_store_has_it(platform, auth) -> None:
    admin = await auth.user("ADMIN")
    head = (await audit(platform, admin.headers))["total"]
    assert (await audit(platform, admin.headers, minPosition=head))["total"] == head
    response = await platform.client.get("/audit", headers=admin.headers, params={"minPosition": head + 1000})
    assert response.status_code == 503 and response.headers["Retry-After"]
