"""`reward-ledger admin create --email E --password-stdin`: the first ADMIN (SPEC: never an open endpoint).

The CLI runs the `CreateAdmin` command through the same `dispatch` the handlers use (validation, password policy,
argon2 hashing, the email claim, retries), but in this process and straight against the event store: it needs only
the store (ops/bootstrap.py `in_process`: MONGO_URL, or DATA_DIR/run.json of a running `reward-ledger run`), so an
operator can seed the first admin before any part runs, and no NATS subject exists through which anyone could
create an ADMIN.
An email that is already registered is promoted to ADMIN; its password is left as it was."""

from __future__ import annotations

import getpass
import json
import sys
import uuid

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.identity import CLI_HANDLERS, CreateAdmin
from commands.store.mongo import MongoEventStore

ACTOR = "cli:admin-create"


def read_password(from_stdin: bool) -> str:
    """One line from stdin (its newline dropped), or a prompt when stdin is a terminal and no flag was given."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass("Password: ")


async def create_admin_main(store: MongoEventStore, email: str, password: str) -> int:
    await store.ensure_indexes()
    reply = await dispatch(CreateAdmin.subject_name(), {"email": email, "password": password},
                           Caller(uuid.uuid4().hex, Actor(ACTOR)), store, CLI_HANDLERS)
    if not reply.ok or reply.result is None:
        error = reply.error
        detail = "; ".join([error.detail, *(f"{e['path']}: {e['message']}" for e in error.errors)]) if error else ""
        print(f"reward-ledger admin create: {detail or 'failed'}", file=sys.stderr)
        return 1
    user = dict(reply.result)
    created = user.pop("created", True)
    note = "created" if created else "already registered: promoted to ADMIN (password unchanged)"
    print(json.dumps({**user, "position": reply.position}))
    print(f"admin {user['email']} {note}", file=sys.stderr)
    return 0
