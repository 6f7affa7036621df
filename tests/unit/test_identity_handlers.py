"""Identity use cases through the real dispatcher, on the in-memory store."""

from __future__ import annotations

import uuid

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.identity import CLI_HANDLERS
from commands.store import MemoryEventStore

PASSWORD = "handler-pass-1"


async def send(store, name: str, payload: dict, roles: str = "", actor: str = "", handlers=None):
    actor_roles = frozenset(filter(None, roles.split(",")))
    caller = Caller(uuid.uuid4().hex, Actor(actor or ("tester" if roles else None), actor_roles))
    if handlers is None:
        return await dispatch(name, payload, caller, store)
    return await dispatch(name, payload, caller, store, handlers)


async def test_login_records_the_login_and_refuses_unknown_and_wrong_alike():
    store = MemoryEventStore()
    user = (await send(store, "RegisterUser", {"email": "A@b.co", "password": PASSWORD})).result
    ok = await send(store, "LogIn", {"email": "a@B.CO", "password": PASSWORD})
    assert ok.ok and ok.result["id"] == user["id"] and ok.result["lastLoginAt"] and ok.version == 2
    wrong = await send(store, "LogIn", {"email": "a@b.co", "password": "nope-nope-1"})
    unknown = await send(store, "LogIn", {"email": "ghost@b.co", "password": PASSWORD})
    assert wrong.error == unknown.error and wrong.error.code == "unauthorized"
    assert wrong.error.detail == "invalid email or password"


async def test_only_an_admin_actor_changes_roles():
    store = MemoryEventStore()
    user = (await send(store, "RegisterUser", {"email": "a@b.co", "password": PASSWORD})).result
    payload = {"userId": user["id"], "roles": ["OPERATOR"]}
    assert (await send(store, "ChangeUserRoles", payload, roles="OPERATOR")).error.code == "forbidden"
    changed = await send(store, "ChangeUserRoles", payload, roles="ADMIN", actor="admin-1")
    assert changed.ok and changed.result["roles"] == ["OPERATOR"]
    assert (await send(store, "RefreshSession", {"userId": user["id"]})).result["roles"] == ["OPERATOR"]
    assert (await send(store, "RefreshSession", {"userId": "nobody"})).error.code == "unauthorized"


async def test_create_admin_runs_only_in_process_and_promotes_an_existing_email():
    store = MemoryEventStore()
    over_nats = await send(store, "CreateAdmin", {"email": "root@b.co", "password": PASSWORD})
    assert over_nats.error.code == "bad-request"  # not in COMMAND_HANDLERS: no NATS subject serves it
    created = await send(store, "CreateAdmin", {"email": "root@b.co", "password": PASSWORD}, handlers=CLI_HANDLERS)
    assert created.result["roles"] == ["ADMIN", "USER"] and created.result["created"] is True
    user = (await send(store, "RegisterUser", {"email": "p@b.co", "password": PASSWORD})).result
    promoted = await send(store, "CreateAdmin", {"email": "P@b.co", "password": "other-pass-2"}, handlers=CLI_HANDLERS)
    assert promoted.result["id"] == user["id"] and promoted.result["created"] is False
    assert promoted.result["roles"] == ["ADMIN", "USER"]
    again = await send(store, "CreateAdmin", {"email": "p@b.co", "password": "other-pass-2"}, handlers=CLI_HANDLERS)
    assert again.ok and again.result["roles"] == ["ADMIN", "USER"]
