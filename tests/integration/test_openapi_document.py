"""The OpenAPI document is the wire (issue 8 §1): every route, called with a valid request, answers a status the
document lists, in a content type it lists, with a body its schema for that status accepts; field names are the
camelCase the wire uses; the headers of ours it sends are documented (and those documented as required are sent);
path parameters carry SPEC's names; update bodies and filters pre-fill nothing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.conftest import refresh_cookie_of
from tests.openapi_wire import documented_operations, invalid_examples, mismatches, template_of

pytestmark = pytest.mark.integration
PASSWORD = "wire-check-pass-9"


class Wire:
    """Calls routes by their documented template and records every answer the document does not describe."""

    def __init__(self, client: httpx.AsyncClient, doc: dict[str, Any]) -> None:
        self.client, self.doc = client, doc
        self.covered: set[tuple[str, str]] = set()
        self.problems: list[str] = []

    async def call(self, method: str, template: str, expect: int, headers: dict[str, str] | None = None,
                   path: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, template.format(**(path or {})), headers=headers, **kwargs)
        assert response.status_code == expect, (method, template, response.status_code, response.text)
        self.covered.add((method, template))
        self.problems += mismatches(self.doc, method, template, response)
        return response


async def test_every_route_answers_what_the_document_says(platform, auth) -> None:
    doc = (await platform.client.get("/docs/openapi.json")).json()
    wire = Wire(platform.client, doc)
    admin, operator = (await auth.user("ADMIN")).headers, (await auth.user("OPERATOR")).headers
    w = wire.call

    await w("GET", "/health/live", 200)
    await w("GET", "/health/ready", 200)
    await w("GET", "/auth/test", 200)
    email = f"wire-{uuid.uuid4().hex[:10]}@example.com"
    user_id = (await w("POST", "/auth/users", 201, json={"email": email, "password": PASSWORD})).json()["id"]
    await w("POST", "/auth/users", 409, json={"email": email, "password": PASSWORD})
    await w("POST", "/auth/users", 422, json={"email": email})
    await w("POST", "/auth/users", 400, content=b"{not json", headers={"Content-Type": "application/json"})
    login = await w("POST", "/auth/login", 200, json={"email": email, "password": PASSWORD})
    await w("POST", "/auth/login", 401, json={"email": email, "password": "wrong-pass-1"})
    platform.client.cookies.clear()
    me = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    refreshed = await w("POST", "/auth/refresh", 200, headers={"Cookie": f"refresh_token={refresh_cookie_of(login)}"})
    await w("POST", "/auth/refresh", 401)
    await w("POST", "/auth/logout", 204, headers={"Cookie": f"refresh_token={refresh_cookie_of(refreshed)}"})
    position = {"minPosition": login.headers["Ledger-Position"]}
    await w("GET", "/auth/me", 200, headers=me, params=position)
    await w("GET", "/auth/me", 401)
    await w("GET", "/auth/users/email", 200, headers=admin, params={"email": email, **position})
    await w("GET", "/auth/users/email", 403, headers=me, params={"email": email})
    await w("GET", "/auth/users/{id}", 200, headers=admin, path={"id": user_id}, params=position)
    await w("GET", "/auth/users/{id}", 404, headers=admin, path={"id": "nobody"})
    await w("PATCH", "/auth/users/{id}/roles", 200, headers=admin, path={"id": user_id}, json={"roles": ["USER"]})
    await w("PUT", "/auth/users/{id}/roles", 200, headers=admin, path={"id": user_id}, json={"roles": ["USER"]})

    event_body = {"name": "Wire check", "periodStart": "2026-01-01T00:00:00Z", "rewardCondition": {
        "login_days": {"min": 1}}}
    created = await w("POST", "/events", 201, headers=operator, json=event_body)
    await w("POST", "/events", 403, headers=me, json=event_body)
    await w("POST", "/events", 422, headers=operator, json={"name": "no period"})
    event = {"eventId": created.json()["id"]}
    at = {"minPosition": created.headers["Ledger-Position"]}
    await w("GET", "/events", 200, headers=me, params=at)
    await w("GET", "/events", 400, headers=me, params={"limit": "0"})
    await w("GET", "/events/{eventId}", 200, headers=me, path=event, params=at)
    await w("GET", "/events/{eventId}", 404, headers=me, path={"eventId": "nope"})
    await w("PATCH", "/events/{eventId}", 200, headers=operator, path=event, json={"description": "changed"})
    await w("POST", "/events/{eventId}/deactivate", 200, headers=operator, path=event)
    await w("POST", "/events/{eventId}/activate", 200, headers=operator, path=event)

    reward = (await w("POST", "/rewards/{type}", 201, headers=operator, path={"type": "point"},
                      json={"name": "500 bonus points", "points": 500})).json()
    await w("POST", "/rewards/{type}", 404, headers=operator, path={"type": "gem"}, json={"name": "x", "points": 1})
    await w("GET", "/rewards", 200, headers=me)
    once = {**operator, "Idempotency-Key": uuid.uuid4().hex}
    for _ in range(2):  # the second is the first answer replayed, with Idempotent-Replayed
        replayed = await w("POST", "/rewards/{type}", 201, headers=once, path={"type": "badge"},
                           json={"name": "Early bird", "badgeId": "early-bird"})
    assert replayed.headers["Idempotent-Replayed"] == "true"
    terms = {**event, "rewardId": reward["id"]}
    attached = await w("POST", "/events/{eventId}/rewards", 201, headers=operator, path=event,
                       json={"rewardId": reward["id"], "stock": 10})
    await w("POST", "/events/{eventId}/rewards", 409, headers=operator, path=event, json={"rewardId": reward["id"]})
    await w("GET", "/events/{eventId}/rewards", 200, headers=me, path=event,
            params={"minPosition": attached.headers["Ledger-Position"]})
    await w("PATCH", "/events/{eventId}/rewards/{rewardId}", 200, headers=operator, path=terms, json={"stock": 5})
    await w("DELETE", "/events/{eventId}/rewards/{rewardId}", 200, headers=operator, path=terms)

    prize = (await w("POST", "/rewards/{type}", 201, headers=operator, path={"type": "item"},
                     json={"name": "Sword", "itemId": "sword-1", "quantity": 1})).json()
    await w("POST", "/events/{eventId}/rewards", 201, headers=operator, path=event, json={"rewardId": prize["id"]})
    ask = {"rewardId": prize["id"]}
    asked = await w("POST", "/events/{eventId}/request-reward", 201, headers=me, path=event, json=ask)
    await w("POST", "/events/{eventId}/request-reward", 409, headers=me, path=event, json=ask)
    await w("POST", "/events/{eventId}/request-reward", 422, headers=me, path=event, json={})
    await w("POST", "/events/{eventId}/request-reward", 403, headers=operator, path=event, json=ask)
    request_id, seen = {"requestId": asked.json()["id"]}, {"minPosition": asked.headers["Ledger-Position"]}
    await w("GET", "/reward-requests", 200, headers=me, params=seen)
    await w("GET", "/reward-requests", 400, headers=me, params={"status": "DONE"})
    await w("GET", "/reward-requests/{requestId}", 200, headers=me, path=request_id, params=seen)
    await w("GET", "/reward-requests/{requestId}", 404, headers=me, path={"requestId": "nope"})
    await w("PATCH", "/reward-requests/{requestId}", 422, headers=operator, path=request_id, json={"status": "DONE"})
    await w("PATCH", "/reward-requests/{requestId}", 403, headers=me, path=request_id, json={"status": "APPROVED"})
    granted = await w("PATCH", "/reward-requests/{requestId}", 200, headers=operator, path=request_id,
                      json={"status": "APPROVED"})
    await w("PATCH", "/reward-requests/{requestId}", 409, headers=operator, path=request_id,
            json={"status": "REJECTED"})
    await w("GET", "/reward-requests/{requestId}", 200, headers=admin, path=request_id,
            params={"minPosition": granted.headers["Ledger-Position"]})

    activity = {"id": uuid.uuid4().hex, "userId": user_id, "kind": "login"}
    await w("POST", "/activities", 202, headers=operator, json=activity)
    await w("POST", "/activities", 202, headers=operator, json=activity)  # the duplicate: same 202 shape
    await w("GET", "/audit", 200, headers=admin, params={"userId": user_id, **seen})
    await w("GET", "/audit", 400, headers=admin, params={"from": "yesterday"})
    await w("GET", "/audit", 403, headers=operator)
    await w("GET", "/events/{eventId}/history", 200, headers=operator, path=event, params={"limit": 3})
    await w("GET", "/events/{eventId}/history", 404, headers=operator, path={"eventId": "nope"})
    await w("POST", "/conditions/preview", 200, headers=operator,
            json={"condition": {"login_days": {"min": 1}}, "periodStart": "2026-01-01T00:00:00Z"})
    await w("GET", "/dashboard", 200, headers=operator, params=at)
    await w("GET", "/dashboard", 403, headers=me)
    for route in ("/dashboard/event-analytics", "/dashboard/reward-analytics", "/dashboard/user-analytics"):
        await w("GET", route, 200, headers=operator, params={"bucket": "week"})
        await w("GET", route, 400, headers=operator, params={"bucket": "month"})

    assert wire.problems == []
    assert sorted(documented_operations(doc) - wire.covered) == [], "documented operations this test never called"


async def test_the_document_names_things_as_the_wire_and_pre_fills_nothing(platform) -> None:
    doc = (await platform.client.get("/docs/openapi.json")).json()
    app_paths = {template_of(route.path) for route in platform.app.routes}
    assert {"/events/{eventId}", "/events/{eventId}/rewards", "/events/{eventId}/rewards/{rewardId}",
            "/auth/users/{id}", "/auth/users/{id}/roles", "/rewards/{type}", "/events/{eventId}/request-reward",
            "/reward-requests/{requestId}"} <= set(doc["paths"]) <= app_paths
    for template, item in doc["paths"].items():
        names = {p["name"] for op in item.values() if isinstance(op, dict) for p in op.get("parameters", [])
                 if p["in"] == "path"}
        assert names == set(re.findall(r"\{([^}]+)\}", template)), template
    schemas = doc["components"]["schemas"]
    assert "accessToken" in schemas["TokenOut"]["properties"] and "createdAt" in schemas["UserOut"]["properties"]
    assert "tookMs" in schemas["PreviewOut"]["properties"] and "perUserLimit" in schemas["EventRewardOut"]["properties"]
    for update in ("EventUpdate", "EventRewardUpdate"):
        assert "default" not in str(schemas[update]), f"{update} documents a default Swagger would pre-fill"
        example = schemas[update]["examples"][0]  # what Swagger pre-fills: a few fields, not all of them
        assert 0 < len(example) < len(schemas[update]["properties"]), update
    assert invalid_examples(doc) == []
    generated = [(method, path, code) for path, item in doc["paths"].items() for method, op in item.items()
                 if isinstance(op, dict) for code, answer in op.get("responses", {}).items()
                 for media in answer.get("content", {}).values() if "examples" in media]
    assert generated == [], "generated filler examples (generate_examples=False, and examples= on the fields)"
    assert schemas["TokenOut"]["properties"]["tokenType"]["examples"] == ["Bearer"]
    assert all(e.endswith("Z") for e in schemas["UserOut"]["properties"]["createdAt"]["examples"])
    assert "default" not in schemas["EventStatus"]
    assert not [name for name in schemas if name.startswith("Promotion")], "inside names leaked onto the HTTP surface"
    status = next(p for p in doc["paths"]["/events"]["get"]["parameters"] if p["name"] == "status")
    assert "default" not in str(status)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for code, answer in operation.get("responses", {}).items():
                if int(code) >= 400 and path != "/health/ready":
                    assert list(answer.get("content", {})) == ["application/problem+json"], (method, path, code)
