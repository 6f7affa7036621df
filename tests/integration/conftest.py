"""The platform in-process for integration tests: real NATS, store, Redis; handlers, projectors, relay and the
gateway on this event loop, reached through httpx's ASGI transport. Tests about processes use tests/e2e."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient

from base.nats_auth import ADMIN, GATEWAY, HANDLERS, PROJECTORS, RELAY, NatsCredentials, NatsLogin
from base.settings import GatewaySettings
from brokers.nats import connect_options, ensure_event_stream, make_broker
from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store.mongo import MongoEventStore
from ops.bootstrap import catch_up, gateway_app, handlers


@dataclass
class Platform:
    client: httpx.AsyncClient
    db: Any
    env: dict[str, str]
    app: Any = None  # the gateway's Litestar app (its state: `app.state.auth`, `app.state.gateway`)
    nats: NatsCredentials | None = None  # `await nc.connect(url, **platform.nats.connect_kwargs("game-server"))`

    def nats_login(self, identity: str) -> NatsLogin:
        """Keyword arguments for `nats.aio.client.Client.connect` as one NATS identity."""
        assert self.nats is not None
        return self.nats.connect_kwargs(identity)


@pytest.fixture
async def platform(server_env: dict[str, str], mongo_db: Any, nats_credentials: NatsCredentials,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("HANDLER_QUEUE", f"q{uuid.uuid4().hex[:8]}")
    url = server_env["NATS_URL"]
    app = gateway_app(GatewaySettings(), nats_credentials.settings_for(GATEWAY, url))
    ready, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        # One task enters and exits every context: anyio cancel scopes (the app lifespan) must not change task,
        # and litestar's own test clients run the app in a portal thread, which would block this loop while the
        # gateway waits for a handler that lives on it.
        async with (handlers(nats_credentials.settings_for(HANDLERS, url)),
                    catch_up(nats=nats_credentials.settings_for(PROJECTORS, url)),
                    catch_up([], relay=True, nats=nats_credentials.settings_for(RELAY, url)),
                    app.lifespan()):
            ready.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()
    # A client address of this test's own, so per-address login throttling never carries over between tests.
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield Platform(client, mongo_db, server_env, app, nats_credentials)
    stop.set()
    await task
    await _delete_event_stream(url, nats_credentials)


async def _delete_event_stream(url: str, credentials: NatsCredentials) -> None:
    """The JetStream stream is server-wide: drop it so the next test's relay starts from an empty stream."""
    nc = NatsClient()
    await nc.connect(url, **credentials.connect_kwargs(ADMIN))
    try:
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream("REWARDS_EVENTS")
    finally:
        await nc.close()


PASSWORD = "fixture-pass-9"


@dataclass
class SignedInUser:
    """A registered, logged-in user: `headers` carries its bearer token, `refresh_token` its refresh cookie."""

    id: str
    email: str
    password: str
    roles: list[str]
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Auth:
    """Fresh users with given roles, through the real routes: register (HTTP), set roles (the ChangeUserRoles
    command, sent as an ADMIN actor straight to the store), log in (HTTP).

        headers = await auth.headers("OPERATOR")          # a new OPERATOR's bearer header
        admin = await auth.user("ADMIN", "USER")          # id, email, password, token, refresh_token, headers
    """

    def __init__(self, platform: Platform, store: Any) -> None:
        self.platform, self.store = platform, store

    async def user(self, *roles: str) -> SignedInUser:
        client = self.platform.client
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        registered = await client.post("/auth/users", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        user_id = registered.json()["id"]
        if roles and sorted(set(roles)) != ["USER"]:
            reply = await dispatch("ChangeUserRoles", {"userId": user_id, "roles": sorted(set(roles))},
                                   Caller(uuid.uuid4().hex, Actor("test-fixture", frozenset({"ADMIN"}))), self.store)
            assert reply.ok, reply.error
        login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        client.cookies.clear()  # tests pass refresh cookies explicitly
        body = login.json()
        return SignedInUser(user_id, email, PASSWORD, body["user"]["roles"], body["accessToken"],
                            refresh_cookie_of(login))

    async def headers(self, *roles: str) -> dict[str, str]:
        """`Authorization: Bearer ...` of a fresh user holding exactly `roles` (USER when none are given)."""
        return (await self.user(*roles)).headers


def refresh_cookie_of(response: httpx.Response) -> str:
    """The refresh token a login or refresh response set (the value of its `refresh_token` cookie)."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == "refresh_token":
            return rest.split(";", 1)[0]
    raise AssertionError(f"no refresh_token cookie in {response.headers}")


@pytest.fixture
async def auth(platform: Platform) -> AsyncIterator[Auth]:
    """Bearer tokens for fresh users with given roles; see `Auth`."""
    store = MongoEventStore(platform.db)
    try:
        yield Auth(platform, store)
    finally:
        await store.close()


@pytest.fixture
async def test_stream(server_env: dict[str, str], nats_credentials: Any) -> AsyncIterator[tuple[Any, Any, str]]:
    """A JetStream stream of this test's own for the relay, created by `admin` (the relay identity may create only
    the platform's stream): yields the admin broker, a JetStream context and the stream's name."""
    name = f"RELAY_TEST_{uuid.uuid4().hex[:8].upper()}"
    admin = nats_credentials.settings_for(ADMIN, server_env["NATS_URL"])
    broker = make_broker(admin.url, **connect_options(admin))
    await broker.connect()
    nc = NatsClient()
    await nc.connect(server_env["NATS_URL"], **nats_credentials.connect_kwargs(ADMIN))
    js = nc.jetstream()
    with contextlib.suppress(Exception):
        await js.delete_stream("REWARDS_EVENTS")  # subjects may not overlap between streams
    await ensure_event_stream(broker, name)
    try:
        yield broker, js, name
    finally:
        await js.delete_stream(name)
        await nc.close()
        await broker.stop()
