"""A gateway envelope is bound to its command, body and lifetime, and the handler still checks the actor's roles:
a valid envelope is no skeleton key."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from base.settings import AuthSettings
from commands.context import Actor
from commands.envelope import HEADER, EnvelopeSigner
from commands.keys import load_or_create_key
from tests.integration.bus_client import raw_command

pytestmark = pytest.mark.integration
EVENT = {"name": "Launch week", "periodStart": "2026-12-01T00:00:00Z"}


def signed(signer: EnvelopeSigner, name: str, body: dict, actor: Actor) -> tuple[bytes, dict[str, str]]:
    data = json.dumps(body).encode()
    return data, {HEADER: signer.sign(name, data, uuid.uuid4().hex, actor, "corr-test")}


def refused(reply: dict, code: str = "unauthorized") -> bool:
    return reply["ok"] is False and reply["error"]["code"] == code


async def test_a_gateway_envelope_runs_the_command_it_was_signed_for(platform, auth) -> None:
    admin, user = await auth.user("ADMIN"), await auth.user()
    signer = EnvelopeSigner.from_settings()
    body, headers = signed(signer, "ChangeUserRoles", {"userId": user.id, "roles": ["OPERATOR"]},
                           Actor(admin.id, frozenset({"ADMIN"})))
    reply = await raw_command(platform, "ChangeUserRoles", body, headers)
    assert reply["ok"] is True and reply["result"]["roles"] == ["OPERATOR"]


async def test_an_envelope_is_refused_with_another_body_command_or_after_expiry(platform, auth) -> None:
    admin, user = await auth.user("ADMIN"), await auth.user()
    actor = Actor(admin.id, frozenset({"ADMIN"}))
    signer = EnvelopeSigner.from_settings()
    harmless, headers = signed(signer, "ChangeUserRoles", {"userId": admin.id, "roles": ["ADMIN"]}, actor)
    escalate = json.dumps({"userId": user.id, "roles": ["ADMIN", "USER"]}).encode()
    assert refused(await raw_command(platform, "ChangeUserRoles", escalate, headers))
    assert refused(await raw_command(platform, "CreatePromotion", harmless, headers))
    stale = EnvelopeSigner(load_or_create_key(AuthSettings().private_key_path), clock=lambda: time.time() - 60)
    body, old = signed(stale, "ChangeUserRoles", {"userId": user.id, "roles": ["ADMIN", "USER"]}, actor)
    assert refused(await raw_command(platform, "ChangeUserRoles", body, old))
    login = await platform.client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert login.json()["user"]["roles"] == ["USER"]


async def test_an_envelope_signed_with_another_key_is_refused(platform, tmp_path) -> None:
    other = EnvelopeSigner(load_or_create_key(tmp_path / "other.pem"))
    body, headers = signed(other, "CreatePromotion", EVENT, Actor("someone", frozenset({"ADMIN"})))
    assert refused(await raw_command(platform, "CreatePromotion", body, headers))


async def test_the_handler_checks_roles_even_if_the_gateway_guard_were_bypassed(platform, auth) -> None:
    user = await auth.user()
    signer = EnvelopeSigner.from_settings()
    body, headers = signed(signer, "CreatePromotion", EVENT, Actor(user.id, frozenset({"USER"})))
    reply = await raw_command(platform, "CreatePromotion", body, headers)
    assert refused(reply, "forbidden") and "status" not in reply["error"]
    body, headers = signed(signer, "CreatePromotion", EVENT, Actor())
    assert refused(await raw_command(platform, "CreatePromotion", body, headers))
    operator = await auth.user("OPERATOR")
    body, headers = signed(signer, "ChangeUserRoles", {"userId": operator.id, "roles": ["ADMIN"]},
                           Actor(operator.id, frozenset({"OPERATOR"})))
    assert refused(await raw_command(platform, "ChangeUserRoles", body, headers), "forbidden")


async def test_the_audit_trail_names_the_signed_in_actor(platform, auth) -> None:
    operator = await auth.user("OPERATOR")
    created = await platform.client.post("/events", json=EVENT, headers=operator.headers)
    assert created.status_code == 201 and created.json()["createdBy"] == operator.id
