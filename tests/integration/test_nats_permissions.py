"""The bus is authenticated, with per-subject permissions (issue 7): a client without credentials gets nothing, a
game server may report activities and read the event feed but neither send, read nor forge commands or events, and
only the relay publishes into the events stream. Against the real embedded NATS the platform runs on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import StreamConfig

from base.nats_auth import ADMIN, GAME_SERVER, GATEWAY, HANDLERS, PROJECTORS, RELAY, NatsLogin
from base.subjects import APPENDED
from commands.store.mongo import MongoEventStore
from tests.integration.known_users import register_users

pytestmark = pytest.mark.integration
STREAM = "REWARDS_EVENTS"
FORGED = {"type": "RewardGranted", "data": {"userId": "attacker", "rewardId": "r-gold", "points": 1_000_000}}
LOGIN = {"email": "victim@example.com", "password": "victims-secret-9"}


class Violations:
    """Permission errors the server reports to one client (asynchronously, as `-ERR` lines)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.arrived = asyncio.Event()

    async def record(self, error: Exception) -> None:
        self.seen.append(str(error))
        self.arrived.set()

    async def wait(self, text: str) -> None:
        """Until the server has refused something whose report contains `text` (nats-py lower-cases reports)."""
        while not any(text.lower() in seen for seen in self.seen):
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)


@asynccontextmanager
async def client(url: str, login: Mapping[str, str] | None = None) -> AsyncIterator[tuple[NatsClient, Violations]]:
    nc, violations = NatsClient(), Violations()
    await nc.connect(url, allow_reconnect=False, connect_timeout=3, error_cb=violations.record, **(login or {}))
    try:
        yield nc, violations
    finally:
        await nc.close()


@pytest.fixture
async def event_stream(servers: Any, nats_credentials: Any) -> AsyncIterator[Callable[[str], NatsLogin]]:
    """The events stream, created by the relay's identity (as the relay does), dropped afterwards by admin."""
    url = servers.nats.url
    async with client(url, nats_credentials.connect_kwargs(RELAY)) as (relay, _):
        js = relay.jetstream()
        await js.add_stream(StreamConfig(name=STREAM, subjects=["rewards.evt.>"]))
        yield nats_credentials.connect_kwargs
    async with client(url, nats_credentials.connect_kwargs(ADMIN)) as (admin, _):
        with suppress(Exception):
            await admin.jetstream().delete_stream(STREAM)


async def stream_messages(url: str, login: Mapping[str, str]) -> int:
    async with client(url, login) as (admin, _):
        return int((await admin.jetstream().stream_info(STREAM)).state.messages)


@pytest.mark.parametrize("login", [None, {"user": GAME_SERVER, "password": "guessed"}, {"user": "nobody"}])
async def test_a_client_without_valid_credentials_is_refused_at_connect(servers, login) -> None:
    with pytest.raises(NatsError, match="Authorization Violation"):
        async with client(servers.nats.url, login):
            pass


async def test_only_the_relay_can_publish_into_the_events_stream(servers, event_stream) -> None:
    url, login = servers.nats.url, event_stream
    for identity in (GAME_SERVER, GATEWAY, HANDLERS, PROJECTORS):
        async with client(url, login(identity)) as (nc, violations):
            await nc.publish("rewards.evt.RewardRequest.RewardGranted", json.dumps(FORGED).encode())
            await violations.wait('Publish to "rewards.evt.RewardRequest.RewardGranted"')
    assert await stream_messages(url, login(ADMIN)) == 0
    async with client(url, login(RELAY)) as (relay, _):
        ack = await relay.jetstream().publish("rewards.evt.User.UserLoggedIn", b"{}", stream=STREAM)
    assert ack.seq == 1 and await stream_messages(url, login(ADMIN)) == 1


async def test_a_game_server_reads_the_event_feed_through_its_own_consumer(servers, event_stream) -> None:
    url, login = servers.nats.url, event_stream
    async with client(url, login(RELAY)) as (relay, _):
        for n in range(3):
            await relay.jetstream().publish(f"rewards.evt.User.E{n}", b"{}", stream=STREAM)
    async with client(url, login(GAME_SERVER)) as (game, violations):
        js = game.jetstream()
        pull = await js.pull_subscribe("rewards.evt.>", durable="game-feed")
        messages = await pull.fetch(3, timeout=5)
        for message in messages:
            await message.ack()
        push = await js.subscribe("rewards.evt.>", ordered_consumer=True)
        first = await push.next_msg(timeout=5)
    assert [m.subject for m in messages] == [f"rewards.evt.User.E{n}" for n in range(3)]
    assert first.subject == "rewards.evt.User.E0" and not violations.seen


async def test_a_game_server_cannot_delete_or_rewrite_the_events_stream(servers, event_stream) -> None:
    async with client(servers.nats.url, event_stream(GAME_SERVER)) as (game, violations):
        with pytest.raises(NatsTimeout):
            await game.jetstream().delete_stream(STREAM)
        await violations.wait(f'Publish to "$JS.API.STREAM.DELETE.{STREAM}"')


async def test_game_server_reports_activities_but_cannot_send_or_read_commands(platform) -> None:
    url = platform.env["NATS_URL"]
    store = MongoEventStore(platform.db)
    await register_users(store, "u1")  # reports for unknown users are refused
    async with client(url, platform.nats_login(GAME_SERVER)) as (game, violations):
        activity = {"id": "perm-1", "userId": "u1", "kind": "login", "occurredAt": "2026-11-30T10:00:00Z"}
        reply = json.loads((await game.request("rewards.activity.login", json.dumps(activity).encode(), 5)).data)
        assert reply["ok"] is True, reply
        head = await store.head()

        spy = await game.subscribe("rewards.cmd.>")
        await violations.wait('Subscription to "rewards.cmd.>"')
        with pytest.raises(NatsTimeout):  # a handler would answer at once: the server dropped it
            await game.request("rewards.cmd.RegisterUser", json.dumps(LOGIN).encode(), timeout=1)
        await violations.wait('Publish to "rewards.cmd.RegisterUser"')
        registered = await platform.client.post("/auth/users", json=LOGIN)  # the gateway's command goes through
        assert registered.status_code == 201
        await game.flush()
        with pytest.raises(NatsTimeout):
            await spy.next_msg(timeout=0.5)
    assert [e.type for e in await store.read_all(head + 1)] == ["UserRegistered"]


async def test_an_identity_cannot_read_another_identitys_replies(platform) -> None:
    url = platform.env["NATS_URL"]
    async with client(url, platform.nats_login(GAME_SERVER)) as (game, violations):
        await game.subscribe("_INBOX.gateway.>")
        await violations.wait('Subscription to "_INBOX.gateway.>"')
        await game.subscribe("_INBOX.>")
        await violations.wait('Subscription to "_INBOX.>"')


async def test_the_gateway_hears_append_notifications_but_cannot_send_them(platform) -> None:
    """It learns the store head from them (read-your-writes); a forged one would make every read wait its bound."""
    async with client(platform.env["NATS_URL"], platform.nats_login(GATEWAY)) as (gateway, violations):
        heard = await gateway.subscribe(APPENDED)
        await gateway.flush()
        registered = await platform.client.post("/auth/users", json=LOGIN)
        assert registered.status_code == 201
        assert int((await heard.next_msg(timeout=5)).data) >= int(registered.headers["Ledger-Position"])
        await gateway.publish(APPENDED, b"999999999")
        await violations.wait(f'Publish to "{APPENDED}"')
    assert not [v for v in violations.seen if "subscription" in v], violations.seen


async def test_only_the_gateway_can_report_a_refresh_token_reuse(platform) -> None:
    """`rewards.cmd.ReportRefreshTokenReuse` (issue 11): NATS refuses it from every other identity; the handler's
    own check (gateway callers only) is in tests/unit/test_command_access.py."""
    url, store = platform.env["NATS_URL"], MongoEventStore(platform.db)
    await register_users(store, "reuse-victim")
    head = await store.head()
    for identity in (GAME_SERVER, PROJECTORS, RELAY):
        async with client(url, platform.nats_login(identity)) as (nc, violations):
            with pytest.raises(NatsTimeout):
                await nc.request("rewards.cmd.ReportRefreshTokenReuse", b'{"userId": "reuse-victim"}', timeout=1)
            await violations.wait('Publish to "rewards.cmd.ReportRefreshTokenReuse"')
    assert await store.head() == head
