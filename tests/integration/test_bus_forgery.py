"""Issue 7 findings on the command bus: any NATS client could make the handlers act as anyone (ADMIN by a header,
an anonymous or someone else's event, unthrottled password guessing). Each is refused now, with a typed
`unauthorized` reply, and stores nothing."""

from __future__ import annotations

import json
import uuid

import pytest
from nats.aio.client import Client as NatsClient

from base.settings import MongoSettings, NatsSettings
from commands.store.mongo import MongoEventStore
from ops.bootstrap import handlers
from ops.servers import start_nats
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


async def test_on_a_bus_without_permissions_the_handlers_still_refuse_a_forged_caller(server_env, mongo_db,
                                                                                       tmp_path) -> None:
    """External mode run carelessly: a NATS with no users at all, so any client reaches the handlers. The signed
    envelope is then the only check, and it holds: forged headers get `unauthorized`, and nothing is stored."""
    nats = start_nats(tmp_path / "open-nats", open_bus=True)
    try:
        settings = NatsSettings(url=nats.url, queue=f"q{uuid.uuid4().hex[:8]}")
        async with handlers(settings, MongoSettings()) as process:
            anyone = NatsClient()
            await anyone.connect(nats.url)  # no user, no password: the server lets everyone in
            try:
                for name, body in (("ChangeUserRoles", {"userId": "u1", "roles": ["ADMIN", "USER"]}),
                                   ("CreatePromotion", EVENT)):
                    msg = await anyone.request(f"rewards.cmd.{name}", json.dumps(body).encode(), timeout=5,
                                               headers={"Command-Id": uuid.uuid4().hex, "Actor-Id": "u1",
                                                        "Actor-Roles": "ADMIN"})
                    assert_unauthorized(json.loads(msg.data))
            finally:
                await anyone.close()
            assert await process.store.head() == 0
    finally:
        nats.stop()
