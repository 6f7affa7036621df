"""Hostile HTTP input, anonymous or signed in: a body past the limit is refused before it is read, deep JSON is a 400,
non-JSON bodies are 415, bad query parameters are 400 naming the parameter as the client wrote it, control and
bidi characters in text are 422 with a pointer, and every answer carries the security headers. HEAD answers on
every GET route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from base.settings import GatewaySettings
from commands.store.mongo import MongoEventStore

pytestmark = pytest.mark.integration
EVENT = {"name": "Winter", "periodStart": "2026-12-01T00:00:00Z"}
CHUNK = 64 * 1024
SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "content-security-policy")


def is_problem(response: Any, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"].startswith("application/problem+json")


async def test_a_60_mb_chunked_body_is_refused_after_reading_at_most_the_limit(platform):
    sent = 0

    async def sixty_megabytes() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(60 * 1024 * 1024 // CHUNK):
            sent += CHUNK
            yield b"[" * CHUNK

    response = await platform.client.post("/auth/users", content=sixty_megabytes(),
                                          headers={"content-type": "application/json", "Idempotency-Key": "big-1"})
    assert is_problem(response, 413)
    # The gateway pulled no more than the limit plus the chunk that crossed it: nothing buffered the rest.
    assert sent <= GatewaySettings().max_body_bytes + CHUNK


async def test_a_declared_length_past_the_limit_is_refused_before_any_byte_is_read(platform):
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        sent += 1
        yield b"{}"

    response = await platform.client.post("/auth/users", content=body(), headers={
        "content-type": "application/json", "content-length": str(10**9)})
    assert is_problem(response, 413) and sent == 0


@pytest.mark.parametrize("signed_in", [False, True])
async def test_json_nested_1000_deep_is_a_400_not_a_500(platform, auth, signed_in):
    deep = b'{"email": ' + b"[" * 1000 + b"]" * 1000 + b', "password": "x"}'
    url, headers = "/auth/users", {"content-type": "application/json"}
    if signed_in:
        url, headers = "/events", headers | await auth.headers("OPERATOR")
        deep = b'{"name": "x", "periodStart": "2026-12-01T00:00:00Z", "rewardCondition": ' + b'{"not": ' * 1000 \
            + b"{}" + b"}" * 1000 + b"}"
    response = await platform.client.post(url, content=deep, headers=headers)
    assert is_problem(response, 400), response.text
    assert "nested" in response.json()["detail"]


async def test_brackets_inside_strings_do_not_count_as_nesting(platform):
    response = await platform.client.post("/auth/users", json={"email": "[" * 500 + "@example.com",
                                                               "password": "{" * 100})
    assert response.status_code != 400, response.text


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", b'{"email": "a@example.com", "password": "long-enough-1"}'),
    ("application/xml", b"<user><email>a@example.com</email></user>"),
    ("application/x-www-form-urlencoded", b"email=a%40example.com&password=long-enough-1"),
    (None, b'{"email": "a@example.com", "password": "long-enough-1"}'),
])
async def test_bodies_that_are_not_declared_json_are_415(platform, content_type, body):
    headers = {"content-type": content_type} if content_type else {}
    response = await platform.client.post("/auth/users", content=body, headers=headers)
    assert is_problem(response, 415), response.text
    assert await MongoEventStore(platform.db).head() == 0


async def test_json_media_types_with_parameters_or_a_json_suffix_are_accepted(platform):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await platform.client.post("/auth/users", content=b'{"email": "x", "password": "y"}',
                                              headers={"content-type": content_type})
        assert response.status_code == 422, (content_type, response.text)


@pytest.mark.parametrize(("url", "name"), [
    ("/events?inPeriod=maybe", "inPeriod"), ("/events?page=0", "page"), ("/events?page=x", "page"),
    ("/events?limit=101", "limit"), ("/rewards?limit=-1", "limit"), ("/events?minPosition=abc", "minPosition"),
    ("/events/e1/rewards?minPosition=-1", "minPosition"), ("/auth/users/email", "email"),
])
async def test_a_bad_or_missing_query_parameter_is_a_400_naming_it(platform, auth, url, name):
    response = await platform.client.get(url, headers=await auth.headers("ADMIN"))
    assert is_problem(response, 400), response.text
    problem = response.json()
    assert [e["path"] for e in problem["errors"]] == [f"/{name}"], problem
    assert name in problem["detail"]


BAD_TEXT = [("NUL", "a\x00b"), ("bell", "a\x07b"), ("C1", "a\x85b"), ("RLO", "a\u202eb"), ("isolate", "a\u2066b"),
            ("DEL", "a\x7fb")]


@pytest.mark.parametrize(("label", "text"), BAD_TEXT)
async def test_control_and_bidi_characters_in_text_are_422_with_a_pointer(platform, auth, label, text):
    operator = await auth.headers("OPERATOR")
    store = MongoEventStore(platform.db)
    head = await store.head()
    cases = [("/events", EVENT | {"name": text}, "/name"),
             ("/events", EVENT | {"description": f"line\n{text}"}, "/description"),
             ("/rewards/badge", {"name": "Badge", "badgeId": text}, "/badgeId"),
             ("/rewards/point", {"name": text, "points": 5}, "/name"),
             ("/events/some-event/rewards", {"rewardId": text}, "/rewardId"),
             ("/activities", {"id": text, "userId": "u1", "kind": "login"}, "/id"),
             ("/activities", {"id": "a1", "userId": text, "kind": "login"}, "/userId"),
             ("/auth/users", {"email": f"x{text}@example.com", "password": "long-enough-1"}, "/email")]
    for url, body, path in cases:
        response = await platform.client.post(url, json=body, headers=operator)
        assert is_problem(response, 422), (label, url, response.text)
        assert path in [e["path"] for e in response.json()["errors"]], (label, url, response.text)
    assert await store.head() == head


async def test_a_description_may_span_lines(platform, auth):
    response = await platform.client.post("/events", json=EVENT | {"description": "one\ntwo"},
                                          headers=await auth.headers("OPERATOR"))
    assert response.status_code == 201 and response.json()["description"] == "one\ntwo"


@pytest.mark.parametrize("value", ["12", "1764547200", 12])
async def test_numbers_are_not_taken_for_times(platform, auth, value):
    response = await platform.client.post("/events", json=EVENT | {"periodStart": value},
                                          headers=await auth.headers("OPERATOR"))
    assert is_problem(response, 422), response.text
    assert "/periodStart" in [e["path"] for e in response.json()["errors"]]


async def test_every_answer_carries_the_security_headers(platform, auth):
    answers = [await platform.client.get("/auth/test"),  # JSON
               await platform.client.get("/events"),  # problem (401)
               await platform.client.get("/no-such-route"),  # the router's own 404
               await platform.client.get("/docs"),
               await platform.client.post("/auth/users", content=b"x", headers={"content-type": "text/plain"})]
    for response in answers:
        for name in SECURITY_HEADERS:
            assert name in response.headers, (response.request.url, name)
        assert response.headers["x-content-type-options"] == "nosniff"
    docs_policy = answers[3].headers["content-security-policy"]
    assert "script-src 'self'" in docs_policy and "frame-ancestors 'none'" in docs_policy
    assert answers[0].headers["content-security-policy"].startswith("default-src 'none'")


async def test_head_answers_on_get_routes_with_headers_and_no_body(platform, auth):
    headers = await auth.headers("ADMIN")
    for url in ("/auth/test", "/events", "/rewards", "/auth/me", "/docs", "/docs/openapi.json", "/health/live"):
        got, head = await platform.client.get(url, headers=headers), await platform.client.head(url, headers=headers)
        assert head.status_code == got.status_code == 200, (url, head.status_code)
        assert head.content == b"", url
        assert head.headers["content-type"] == got.headers["content-type"], url
        assert "content-security-policy" in head.headers
    assert (await platform.client.head("/events")).status_code == 401
    assert (await platform.client.head("/no-such-route")).status_code == 404
