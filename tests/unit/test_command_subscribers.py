"""The typed FastStream subscribers, in memory (`TestNatsBroker`, no server): a valid command is answered, a bad
envelope is refused before anything runs, a bad body gets `invalid-input` with JSON pointers (never a time-out).
tests/integration/test_command_subscribers_real.py reruns these tests against the real NATS (`with_real=True`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from faststream.nats import NatsBroker, TestNatsBroker

from brokers.activity_ingest import activity_router
from brokers.command_router import command_router
from commands.context import Actor
from commands.envelope import HEADER, EnvelopeSigner, EnvelopeVerifier
from commands.store.base import EventStore
from commands.store.memory import MemoryEventStore

PLAYER = {"email": "player@example.com", "password": "a-long-passphrase-9"}


@dataclass
class Bus:
    """A broker carrying the handlers' routers, its store, and the gateway's signer."""

    broker: NatsBroker
    store: EventStore
    signer: EnvelopeSigner

    async def request(self, subject: str, body: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
        reply = await self.broker.request(body, subject, headers=headers or {}, timeout=10)
        return dict(json.loads(reply.body))

    async def command(self, name: str, payload: Any, actor: Actor | None = None, *,
                      signed_body: bytes | None = None) -> dict[str, Any]:
        """Send `payload` (bytes as they are) with an envelope signed for `signed_body` (default: the body)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        envelope = self.signer.sign(name, body if signed_body is None else signed_body, uuid.uuid4().hex,
                                    actor or Actor(), "corr-test")
        return await self.request(f"rewards.cmd.{name}", body, {HEADER: envelope})


def handler_broker(store: EventStore, key: Ed25519PrivateKey, queue: str, **options: Any) -> NatsBroker:
    broker = NatsBroker(**options)
    broker.include_router(command_router(lambda: store, EnvelopeVerifier([key.public_key()]), queue))
    broker.include_router(activity_router(lambda: store, queue))
    return broker


@pytest.fixture
async def bus() -> AsyncIterator[Bus]:
    key, store = Ed25519PrivateKey.generate(), MemoryEventStore()
    async with TestNatsBroker(handler_broker(store, key, "handlers")) as broker:
        yield Bus(broker, store, EnvelopeSigner(key))


async def test_a_signed_valid_command_is_answered_with_its_outcome(bus: Bus) -> None:
    reply = await bus.command("RegisterUser", PLAYER)
    assert reply["ok"] is True and reply["result"]["email"] == PLAYER["email"]
    assert reply["position"] == await bus.store.head() > 0


async def test_a_missing_or_mismatched_envelope_is_refused_before_the_command_runs(bus: Bus) -> None:
    body = json.dumps(PLAYER).encode()
    unsigned = await bus.request("rewards.cmd.RegisterUser", body)
    other_body = await bus.command("RegisterUser", body, signed_body=b"{}")
    for reply in (unsigned, other_body):
        assert reply["ok"] is False and reply["error"]["code"] == "unauthorized"
    assert await bus.store.head() == 0


async def test_a_body_the_typed_subscriber_refuses_gets_invalid_input_with_pointers(bus: Bus) -> None:
    reply = await bus.command("RegisterUser", {"email": 3, "extra": True})
    assert reply["error"]["code"] == "invalid-input"
    assert {e["path"] for e in reply["error"]["errors"]} == {"/email", "/password", "/extra"}
    not_json = await bus.command("RegisterUser", b"{not json")
    assert not_json["error"]["code"] == "bad-request"


async def test_a_caller_without_the_role_is_forbidden_whatever_the_body(bus: Bus) -> None:
    reply = await bus.command("CreatePromotion", {"name": 3}, Actor("u1", frozenset({"USER"})))
    assert reply["error"]["code"] == "forbidden"


async def test_an_activity_report_may_leave_its_kind_to_the_subject_and_errors_point_into_it(bus: Bus) -> None:
    registered = await bus.command("RegisterUser", PLAYER)
    report = {"id": f"a-{uuid.uuid4().hex}", "userId": registered["result"]["id"]}
    assert (await bus.request("rewards.activity.login", json.dumps(report).encode()))["ok"] is True
    bad = await bus.request("rewards.activity.purchase", json.dumps({**report, "amount": 0}).encode())
    assert bad["error"]["code"] == "invalid-input" and bad["error"]["errors"][0]["path"] == "/amount"
