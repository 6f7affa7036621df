"""Events, the reward catalogue and event rewards over HTTP, through NATS, the store and the read models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from commands.store.mongo import MongoEventStore
from domain.clock import iso

pytestmark = pytest.mark.integration
RULE = {"all": [{"login_days": {"min": 3}}, {"any": [{"invites": {"min": 2}},
                                                     {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}


def at(days: float) -> str:
    return iso(datetime.now(UTC) + timedelta(days=days)) or ""


async def create_event(platform: Any, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Winter festival", "periodStart": at(-1), "periodEnd": at(6)} | fields
    response = await platform.client.post("/events", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json()) | {"_position": response.headers["Ledger-Position"]}


async def read(platform: Any, path: str, headers: dict[str, str], position: str | int, **params: Any) -> Any:
    response = await platform.client.get(path, headers=headers, params={"minPosition": position} | params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_event_created_is_listed_and_detailed_as_it_was_answered(platform, auth) -> None:
    operator, user = await auth.headers("OPERATOR"), await auth.headers()
    created = await create_event(platform, operator, rewardCondition=RULE, description="Log in 3 days")
    position = created.pop("_position")
    assert created["status"] == "ACTIVE" and created["rewardCondition"] == RULE and created["createdBy"]
    assert await read(platform, f"/events/{created['id']}", user, position) == created
    page = await read(platform, "/events", user, position)
    assert page == {"items": [created], "total": 1, "page": 1, "limit": 20}


async def test_listing_filters_by_status_name_and_period_and_pages(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    now_open = await create_event(platform, operator, name="Open (now)", periodEnd=None)
    await create_event(platform, operator, name="Future", periodStart=at(2), periodEnd=at(3))
    await create_event(platform, operator, name="Past", periodStart=at(-3), periodEnd=at(-2))
    last = await create_event(platform, operator, name="Quiet OPEN", status="INACTIVE")
    position = last["_position"]

    async def names(**params: Any) -> list[str]:
        return [e["name"] for e in (await read(platform, "/events", operator, position, **params))["items"]]

    assert await names() == ["Quiet OPEN", "Past", "Future", "Open (now)"]
    assert await names(status="INACTIVE") == ["Quiet OPEN"]
    assert await names(name="open") == ["Quiet OPEN", "Open (now)"]
    assert await names(name="n (") == ["Open (now)"]  # regex metacharacters are literal
    assert await names(name=".*") == []
    assert await names(inPeriod="true") == ["Quiet OPEN", "Open (now)"]
    assert await names(inPeriod="false") == ["Past", "Future"]
    assert await names(inPeriod="true", status="ACTIVE") == ["Open (now)"]
    page2 = await read(platform, "/events", operator, position, page=2, limit=3)
    assert [e["name"] for e in page2["items"]] == ["Open (now)"] and page2["total"] == 4
    assert now_open["periodEnd"] is None


@pytest.mark.parametrize("params", [{"page": 0}, {"limit": 101}, {"limit": "x"}, {"status": "DRAFT"},
                                    {"inPeriod": "maybe"}, {"minPosition": -1}])
async def test_bad_listing_parameters_are_400(platform, auth, params) -> None:
    response = await platform.client.get("/events", params=params, headers=await auth.headers())
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_patch_activate_and_deactivate(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    event = await create_event(platform, operator)
    url = f"/events/{event['id']}"
    patched = await platform.client.patch(url, json={"name": "Renamed", "periodEnd": None, "status": "INACTIVE"},
                                          headers=operator)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["periodEnd"], patched.json()["status"]) == (
        "Renamed", None, "INACTIVE")
    activated = await platform.client.post(f"{url}/activate", headers=operator)
    assert activated.status_code == 200 and activated.json()["status"] == "ACTIVE"
    shown = await read(platform, url, operator, activated.headers["Ledger-Position"])
    assert shown == activated.json()
    deactivated = await platform.client.post(f"{url}/deactivate", headers=operator)
    assert deactivated.json()["status"] == "INACTIVE"
    assert (await platform.client.patch("/events/nope", json={"name": "x"}, headers=operator)).status_code == 404
    assert (await platform.client.get("/events/nope", headers=operator)).status_code == 404


async def test_rewards_catalogue_and_event_rewards(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    event = await create_event(platform, operator)
    made = {}
    for reward_type, fields in [("point", {"name": "100P", "points": 100}),
                                ("Item", {"name": "Sword", "itemId": "sword-1", "quantity": 2}),
                                ("COUPON", {"name": "10% off", "couponCode": "OFF-10", "expiry": at(30)}),
                                ("badge", {"name": "Gold", "badgeId": "gold"})]:
        response = await platform.client.post(f"/rewards/{reward_type}", json=fields, headers=operator)
        assert response.status_code == 201, response.text
        made[response.json()["type"]] = response.json() | {"_position": response.headers["Ledger-Position"]}
    position = made["BADGE"].pop("_position")
    listed = await read(platform, "/rewards", operator, position, type="coupon")
    assert [r["id"] for r in listed["items"]] == [made["COUPON"]["id"]]
    assert (await read(platform, "/rewards", operator, position))["total"] == 4

    url = f"/events/{event['id']}/rewards"
    body = {"rewardId": made["POINT"]["id"], "condition": {"invites": {"min": 1}}, "autoResolve": True, "stock": 7}
    attached = await platform.client.post(url, json=body, headers=operator)
    assert attached.status_code == 201, attached.text
    assert attached.json()["remaining"] == 7 and attached.json()["reward"]["points"] == 100
    assert (await platform.client.post(url, json=body, headers=operator)).status_code == 409
    again = await platform.client.post(url, json={"rewardId": "unknown"}, headers=operator)
    assert again.status_code == 404
    missing = await platform.client.post("/events/nope/rewards", json=body, headers=operator)
    assert missing.status_code == 404

    changed = await platform.client.patch(f"{url}/{made['POINT']['id']}", json={"stock": 3}, headers=operator)
    assert changed.status_code == 200 and changed.json()["remaining"] == 3
    listed = await read(platform, url, operator, changed.headers["Ledger-Position"])
    assert listed["items"] == [changed.json()] and listed["total"] == 1

    detached = await platform.client.delete(f"{url}/{made['POINT']['id']}", headers=operator)
    assert detached.status_code == 200, detached.text
    assert (await read(platform, url, operator, detached.headers["Ledger-Position"]))["items"] == []
    assert (await platform.client.get("/events/nope/rewards", headers=operator)).status_code == 404


async def test_roles_guard_the_writes(platform, auth) -> None:
    user, auditor = await auth.headers(), await auth.headers("AUDITOR")
    body = {"name": "x", "periodStart": at(0)}
    assert (await platform.client.post("/events", json=body)).status_code == 401
    assert (await platform.client.post("/events", json=body, headers=user)).status_code == 403
    assert (await platform.client.post("/events", json=body, headers=auditor)).status_code == 403
    assert (await platform.client.post("/rewards/point", json={"name": "p", "points": 1},
                                       headers=user)).status_code == 403
    assert (await platform.client.get("/events", headers=auditor)).status_code == 200
    assert (await platform.client.get("/rewards")).status_code == 401
    assert await MongoEventStore(platform.db).head() > 0  # only the fixture's users were stored


OPERATIONS = {
    "create_event": ("/events", "post", "201"), "list_events": ("/events", "get", "200"),
    "get_event": ("/events/{eventId}", "get", "200"), "update_event": ("/events/{eventId}", "patch", "200"),
    "activate_event": ("/events/{eventId}/activate", "post", "200"),
    "deactivate_event": ("/events/{eventId}/deactivate", "post", "200"),
    "attach_event_reward": ("/events/{eventId}/rewards", "post", "201"),
    "list_event_rewards": ("/events/{eventId}/rewards", "get", "200"),
    "update_event_reward": ("/events/{eventId}/rewards/{rewardId}", "patch", "200"),
    "detach_event_reward": ("/events/{eventId}/rewards/{rewardId}", "delete", "200"),
    "create_reward": ("/rewards/{type}", "post", "201"), "list_rewards": ("/rewards", "get", "200"),
    "record_activity": ("/activities", "post", "202"), "preview_condition": ("/conditions/preview", "post", "200"),
    "request_reward": ("/events/{eventId}/request-reward", "post", "201"),
    "list_reward_requests": ("/reward-requests", "get", "200"),
    "get_reward_request": ("/reward-requests/{requestId}", "get", "200"),
    "decide_reward_request": ("/reward-requests/{requestId}", "patch", "200"),
}


async def test_every_route_is_in_the_openapi_document_with_its_answers(platform) -> None:
    schema = (await platform.client.get("/docs/openapi.json")).json()
    for operation_id, (path, method, success) in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert success in operation["responses"] and "401" in operation["responses"], operation_id
        assert operation["responses"][success]["content"]["application/json"]["schema"], operation_id
        assert operation.get("security") == [{"bearer": []}], operation_id
    listing = {p["name"] for p in schema["paths"]["/events"]["get"]["parameters"]}
    assert {"status", "name", "inPeriod", "page", "limit", "minPosition"} <= listing
