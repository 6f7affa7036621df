"""Every field of every events/rewards/activities write, sent wrong (type, range, length, enum, rule): a 4xx
problem+json naming the field by JSON pointer, and the store head does not move. One test per route keeps the
platform start-up cost per route, and a failure lists every case that went wrong."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from commands.store.mongo import MongoEventStore
from domain.clock import iso

pytestmark = pytest.mark.integration
START = "2026-12-01T00:00:00Z"
FUTURE = iso(datetime.now(UTC) + timedelta(days=30))
LATER = iso(datetime.now(UTC) + timedelta(hours=1))
DEEP: dict[str, Any] = {"level": {"min": 1}}
for _ in range(9):
    DEEP = {"not": DEEP}
Case = tuple[str, Any, int, str | None]  # name, body (dict or raw bytes), status, expected path


async def check(platform: Any, method: str, url: str, headers: dict[str, str], cases: list[Case]) -> None:
    store = MongoEventStore(platform.db)
    head = await store.head()
    failures = []
    for name, body, status, path in cases:
        raw = body if isinstance(body, bytes) else None
        response = await platform.client.request(method, url, headers=headers | {"content-type": "application/json"},
                                                 content=raw, json=None if raw is not None else body)
        problem = response.json() if response.headers.get("content-type", "").startswith(
            "application/problem+json") else None
        paths = [e["path"] for e in (problem or {}).get("errors") or []]
        if response.status_code != status or problem is None or (path is not None and path not in paths):
            failures.append(f"{name}: {response.status_code} {paths} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert await store.head() == head, "a refused write stored something"


@pytest.fixture
async def operator(auth: Any) -> dict[str, str]:
    headers: dict[str, str] = await auth.headers("OPERATOR")
    return headers


async def make(platform: Any, headers: dict[str, str], url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await platform.client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


EVENT_CASES: list[Case] = [
    ("malformed JSON", b'{"name": ', 400, None),
    ("not an object", [1, 2], 422, None),
    ("name wrong type", {"name": 5, "periodStart": START}, 422, "/name"),
    ("name empty", {"name": "  ", "periodStart": START}, 422, "/name"),
    ("name too long", {"name": "x" * 201, "periodStart": START}, 422, "/name"),
    ("name null", {"name": None, "periodStart": START}, 422, "/name"),
    ("name missing", {"periodStart": START}, 422, "/name"),
    ("description wrong type", {"name": "n", "periodStart": START, "description": 5}, 422, "/description"),
    ("description too long", {"name": "n", "periodStart": START, "description": "d" * 2001}, 422, "/description"),
    ("periodStart not a time", {"name": "n", "periodStart": "soon"}, 422, "/periodStart"),
    ("periodStart without zone", {"name": "n", "periodStart": "2026-12-01T00:00:00"}, 422, "/periodStart"),
    ("periodStart missing", {"name": "n"}, 422, "/periodStart"),
    ("periodEnd before start", {"name": "n", "periodStart": START, "periodEnd": "2026-11-30T00:00:00Z"}, 422,
     "/periodEnd"),
    ("periodEnd equal to start", {"name": "n", "periodStart": START, "periodEnd": START}, 422, "/periodEnd"),
    ("periodEnd wrong type", {"name": "n", "periodStart": START, "periodEnd": True}, 422, "/periodEnd"),
    ("status unknown", {"name": "n", "periodStart": START, "status": "DRAFT"}, 422, "/status"),
    ("status lower case", {"name": "n", "periodStart": START, "status": "active"}, 422, "/status"),
    ("rule not an object", {"name": "n", "periodStart": START, "rewardCondition": 5}, 422, "/rewardCondition"),
    ("rule out of range", {"name": "n", "periodStart": START, "rewardCondition": {"level": {"min": -1}}}, 422,
     "/rewardCondition/level/min"),
    ("rule wrong type", {"name": "n", "periodStart": START,
                         "rewardCondition": {"all": [{"invites": {"min": 1}}, {"invites": {"min": "2"}}]}}, 422,
     "/rewardCondition/all/1/invites/min"),
    ("rule unknown leaf", {"name": "n", "periodStart": START, "rewardCondition": {"dance": {"min": 1}}}, 422,
     "/rewardCondition/dance"),
    ("rule empty all", {"name": "n", "periodStart": START, "rewardCondition": {"all": []}}, 422,
     "/rewardCondition/all"),
    ("rule too deep", {"name": "n", "periodStart": START, "rewardCondition": DEEP}, 422, None),
    ("rule bad currency", {"name": "n", "periodStart": START,
                           "rewardCondition": {"purchase_total": {"min": 1, "currency": "krw"}}}, 422,
     "/rewardCondition/purchase_total/currency"),
    ("unknown field", {"name": "n", "periodStart": START, "owner": "me"}, 422, "/owner"),
]


async def test_bad_event_creation(platform, operator) -> None:
    await check(platform, "POST", "/events", operator, EVENT_CASES)


async def test_bad_event_update(platform, operator) -> None:
    event = await make(platform, operator, "/events", {"name": "n", "periodStart": START,
                                                       "periodEnd": "2026-12-08T00:00:00Z"})
    await check(platform, "PATCH", f"/events/{event['id']}", operator, [
        ("name null", {"name": None}, 422, "/name"),
        ("name too long", {"name": "x" * 201}, 422, "/name"),
        ("start after the end", {"periodStart": "2026-12-09T00:00:00Z"}, 422, "/periodEnd"),
        ("periodStart null", {"periodStart": None}, 422, "/periodStart"),
        ("status unknown", {"status": "ENDED"}, 422, "/status"),
        ("rule broken", {"rewardCondition": {"not": {"checkins": {}}}}, 422, "/rewardCondition/not/checkins/min"),
        ("unknown field", {"createdBy": "me"}, 422, "/createdBy"),
    ])
    await check(platform, "PATCH", "/events/unknown", operator, [("unknown event", {"name": "x"}, 404, None)])


async def test_bad_event_rewards(platform, operator) -> None:
    event = await make(platform, operator, "/events", {"name": "n", "periodStart": START})
    reward = await make(platform, operator, "/rewards/point", {"name": "p", "points": 1})
    url, rid = f"/events/{event['id']}/rewards", reward["id"]
    await check(platform, "POST", url, operator, [
        ("rewardId missing", {}, 422, "/rewardId"),
        ("rewardId wrong type", {"rewardId": 5}, 422, "/rewardId"),
        ("rewardId empty", {"rewardId": ""}, 422, "/rewardId"),
        ("rewardId too long", {"rewardId": "r" * 129}, 422, "/rewardId"),
        ("rewardId unknown", {"rewardId": "nope"}, 404, None),
        ("condition broken", {"rewardId": rid, "condition": {"any": [{"level": {}}]}}, 422,
         "/condition/any/0/level/min"),
        ("autoResolve not a bool", {"rewardId": rid, "autoResolve": "yes"}, 422, "/autoResolve"),
        ("autoResolve as 1", {"rewardId": rid, "autoResolve": 1}, 422, "/autoResolve"),
        ("stock negative", {"rewardId": rid, "stock": -1}, 422, "/stock"),
        ("stock as text", {"rewardId": rid, "stock": "5"}, 422, "/stock"),
        ("stock too large", {"rewardId": rid, "stock": 10**10}, 422, "/stock"),
        ("perUserLimit zero", {"rewardId": rid, "perUserLimit": 0}, 422, "/perUserLimit"),
        ("perUserLimit too large", {"rewardId": rid, "perUserLimit": 1001}, 422, "/perUserLimit"),
        ("perUserLimit fraction", {"rewardId": rid, "perUserLimit": 1.5}, 422, "/perUserLimit"),
        ("unknown field", {"rewardId": rid, "remaining": 3}, 422, "/remaining"),
    ])
    await check(platform, "POST", "/events/unknown/rewards", operator, [("unknown event", {"rewardId": rid}, 404,
                                                                         None)])
    await make(platform, operator, url, {"rewardId": rid})
    await check(platform, "PATCH", f"{url}/{rid}", operator, [
        ("stock negative", {"stock": -5}, 422, "/stock"),
        ("perUserLimit null", {"perUserLimit": None}, 422, "/perUserLimit"),
        ("autoResolve null", {"autoResolve": None}, 422, "/autoResolve"),
        ("condition broken", {"condition": {"level": {"min": 1}, "invites": {"min": 1}}}, 422, "/condition"),
        ("unknown field", {"rewardId": "other"}, 422, "/rewardId"),
    ])
    await check(platform, "PATCH", f"{url}/not-attached", operator, [("not attached", {"stock": 1}, 404, None)])
    await check(platform, "DELETE", f"{url}/not-attached", operator, [("not attached", None, 404, None)])


async def test_bad_rewards(platform, operator) -> None:
    cases: list[tuple[str, str, Any, int, str | None]] = [
        ("point points zero", "point", {"name": "p", "points": 0}, 422, "/points"),
        ("point points as text", "point", {"name": "p", "points": "5"}, 422, "/points"),
        ("point points too large", "point", {"name": "p", "points": 10**13}, 422, "/points"),
        ("point points missing", "point", {"name": "p"}, 422, "/points"),
        ("point name empty", "point", {"name": "", "points": 1}, 422, "/name"),
        ("point name too long", "point", {"name": "n" * 201, "points": 1}, 422, "/name"),
        ("point with an item field", "point", {"name": "p", "points": 1, "itemId": "i"}, 422, "/itemId"),
        ("item itemId empty", "item", {"name": "i", "itemId": "", "quantity": 1}, 422, "/itemId"),
        ("item itemId too long", "item", {"name": "i", "itemId": "i" * 129, "quantity": 1}, 422, "/itemId"),
        ("item quantity zero", "item", {"name": "i", "itemId": "s", "quantity": 0}, 422, "/quantity"),
        ("item quantity fraction", "item", {"name": "i", "itemId": "s", "quantity": 1.5}, 422, "/quantity"),
        ("coupon code with space", "coupon", {"name": "c", "couponCode": "A B", "expiry": FUTURE}, 422,
         "/couponCode"),
        ("coupon expired", "coupon", {"name": "c", "couponCode": "AB", "expiry": "2001-01-01T00:00:00Z"}, 422,
         "/expiry"),
        ("coupon expiry without zone", "coupon", {"name": "c", "couponCode": "AB", "expiry": "2031-01-01T00:00:00"},
         422, "/expiry"),
        ("badge badgeId missing", "badge", {"name": "b"}, 422, "/badgeId"),
        ("badge with a type of another", "badge", {"name": "b", "badgeId": "g", "type": "POINT"}, 422, "/type"),
        ("unknown field", "badge", {"name": "b", "badgeId": "g", "color": "red"}, 422, "/color"),
        ("unknown type", "gem", {"name": "g"}, 404, None),
    ]
    for name, reward_type, body, status, path in cases:
        await check(platform, "POST", f"/rewards/{reward_type}", operator, [(name, body, status, path)])


async def test_bad_activities(platform, operator) -> None:
    def act(**fields: Any) -> dict[str, Any]:
        return {"id": uuid.uuid4().hex, "userId": "u1", "kind": "login"} | fields

    await check(platform, "POST", "/activities", operator, [
        ("id empty", act(id=""), 422, "/id"),
        ("id too long", act(id="i" * 129), 422, "/id"),
        ("id wrong type", act(id=5), 422, "/id"),
        ("userId missing", {"id": "a", "kind": "login"}, 422, "/userId"),
        ("kind unknown", act(kind="dance"), 422, "/kind"),
        ("amount zero", act(kind="invite", amount=0), 422, "/amount"),
        ("amount as text", act(kind="invite", amount="1"), 422, "/amount"),
        ("amount as bool", act(kind="invite", amount=True), 422, "/amount"),
        ("amount too large", act(kind="invite", amount=10**13), 422, "/amount"),
        ("purchase without currency", act(kind="purchase", amount=5), 422, "/currency"),
        ("currency lower case", act(kind="purchase", amount=5, currency="krw"), 422, "/currency"),
        ("currency on a login", act(currency="KRW"), 422, "/currency"),
        ("quest without questId", act(kind="quest_completed"), 422, "/questId"),
        ("questId too long", act(kind="quest_completed", questId="q" * 65), 422, "/questId"),
        ("occurredAt without zone", act(occurredAt="2026-11-25T10:00:00"), 422, "/occurredAt"),
        ("occurredAt in the future", act(occurredAt=LATER), 422, "/occurredAt"),
        ("unknown field", act(source="x"), 422, "/source"),
    ])


async def test_bad_previews(platform, operator) -> None:
    await check(platform, "POST", "/conditions/preview", operator, [
        ("rule broken", {"condition": {"all": [{"level": {"min": -1}}]}, "periodStart": START}, 422,
         "/condition/all/0/level/min"),
        ("period empty", {"condition": None, "periodStart": START, "periodEnd": START}, 422, "/periodEnd"),
        ("sampleSize too large", {"condition": None, "periodStart": START, "sampleSize": 101}, 422, "/sampleSize"),
        ("periodStart missing", {"condition": None}, 422, "/periodStart"),
    ])
