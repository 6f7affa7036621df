"""Issue 7 findings on the command bus: any NATS client could make the handlers act as anyone (ADMIN by a header,
an anonymous or someone else's event, unthrottled password guessing). Each is refused now, with a typed
`unauthorized` reply, and stores nothing."""

from __future__ import annotations

import pytest

from commands.store.mongo import MongoEventStore
from tests.integration.bus_client import raw_command
from tests.integration.conftest import PASSWORD

pytestmark = pytest.mark.integration
EVENT = {"name": "Free stuff", "periodStart": "2026-12-01T00:00:00Z"}


def assert_unauthorized(reply: dict) -> None:
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == "unauthorized", reply


async def head(platform) -> int:
    store = MongoEventStore(platform.db)
    try:
        return await store.head()
    finally:
        await store.close()


async def test_a_forged_admin_header_does_not_change_roles(platform, auth) -> None:
    user = await auth.user()
    before = await head(platform)
    reply = await raw_command(platform, "ChangeUserRoles",
                              {"userId": user.id, "roles": ["ADMIN", "USER"]},
                              {"Actor-Id": user.id, "Actor-Roles": "ADMIN"})
    assert_unauthorized(reply)
    assert await head(platform) == before
    login = await platform.client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200 and login.json()["user"]["roles"] == ["USER"]


async def test_events_without_or_with_someone_elses_actor_are_refused(platform, auth) -> None:
    operator = await auth.user("OPERATOR")
    before = await head(platform)
    anonymous = await raw_command(platform, "CreatePromotion", EVENT)
    impersonated = await raw_command(platform, "CreatePromotion", EVENT,
                                     {"Actor-Id": operator.id, "Actor-Roles": "OPERATOR"})
    assert_unauthorized(anonymous)
    assert_unauthorized(impersonated)
    assert await head(platform) == before


async def test_login_and_registration_are_not_reachable_around_the_gateway(platform, auth) -> None:
    """The gateway throttles failed logins; the bus no longer offers an unthrottled way in."""
    user = await auth.user()
    for guess in range(30):
        assert_unauthorized(await raw_command(platform, "LogIn", {"email": user.email, "password": f"guess-{guess}"}))
    assert_unauthorized(await raw_command(platform, "LogIn", {"email": user.email, "password": PASSWORD}))
    before = await head(platform)
    assert_unauthorized(await raw_command(platform, "RegisterUser", {"email": "side@door.test", "password": PASSWORD}))
    assert await head(platform) == before


async def test_garbage_envelopes_are_refused_not_crashed_on(platform) -> None:
    for envelope in ["", "x", "a.b", "e30.AAAA", "!!!.???", "eyJ2IjoxfQ." + "A" * 86]:
        assert_unauthorized(await raw_command(platform, "Ping", {}, {"Command-Envelope": envelope}))
    assert_unauthorized(await raw_command(platform, "Ping", b"\xff not json"))
