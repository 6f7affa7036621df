"""Recording activity facts, from `POST /activities` and from `rewards.activity.<kind>` alike.

De-duplication is the store's: the commit goes to the new stream `Activity-<id>` with the claim `activity:<id>`,
so the same id twice - even at the same instant, from two handler processes - is stored once. A duplicate is not
an error: the caller is told `duplicate: true` and gets the same 202.

A report is refused when its user does not exist (404: facts about nobody would wait, counted, for whoever later got
that id) or its amount is past the bound for its kind (422, `domain.activity_facts.MAX_REPORTED_AMOUNT`). Users are
never deleted, so each handler process remembers the users it has seen (bounded) and reads a User stream once.
"""

from __future__ import annotations

import weakref
from typing import Any, Final, Literal

from commands.context import CommandContext
from commands.messages import ACTIVITY_INGEST, GATEWAY, IN_PROCESS, OPERATORS, SERVICE, Access, Command
from commands.store.base import ClaimTaken, ConcurrencyError, EventStore
from domain.activity_facts import amount_problem
from domain.activity_record import ActivityRecord, activity_claim, parse_report
from domain.errors import DomainError, FieldError, InvalidInput
from domain.user import User

KNOWN_USERS_LIMIT: Final = 100_000
_known_users: weakref.WeakKeyDictionary[EventStore, set[str]] = weakref.WeakKeyDictionary()


class RecordActivity(Command):
    """`activity` is the reported JSON as sent; it is validated by the domain so paths are rooted at it. Sent by
    OPERATOR/ADMIN or a service (the gateway's service token) through the gateway, or by a game server on
    `rewards.activity.<kind>` (brokers/activity_ingest.py)."""

    ACCESS = Access(roles=OPERATORS | {SERVICE}, callers=frozenset({GATEWAY, ACTIVITY_INGEST, IN_PROCESS}))

    activity: Any
    source: Literal["http", "nats"] = "http"


async def record_activity(command: RecordActivity, ctx: CommandContext) -> dict[str, Any]:
    activity = parse_report(command.activity).at(ctx.clock())
    if problem := amount_problem(activity.kind, activity.amount):
        raise InvalidInput("invalid activity", [FieldError("/amount", problem)])
    if not await _user_exists(ctx, activity.user_id):
        raise DomainError("no user has this id", [FieldError("/userId", "unknown user")], "not-found")
    record = ActivityRecord(activity.id)  # not loaded: a brand-new stream is the normal case, the store decides
    record.record(activity, command.source)
    answer = {"id": activity.id, "userId": activity.user_id, "kind": str(activity.kind)}
    try:
        result = await ctx.save(record, claim=activity_claim(activity.id))
    except (ClaimTaken, ConcurrencyError):  # the id is already stored (by another command)
        return {**answer, "duplicate": True}
    return {**answer, "duplicate": bool(result and result.duplicate)}


async def _user_exists(ctx: CommandContext, user_id: str) -> bool:
    if user_id in _known_users.get(ctx.store, ()):
        return True
    if not await ctx.store.read_stream(User.stream_id(user_id)):
        return False
    remember_user(ctx.store, user_id)
    return True


def remember_user(store: EventStore, user_id: str) -> None:
    """`user_id` exists (registration just stored it): its activity reports need not read its stream."""
    known = _known_users.setdefault(store, set())
    if len(known) >= KNOWN_USERS_LIMIT:
        known.clear()
    known.add(user_id)


ACTIVITY_HANDLERS: dict[type[Command], Any] = {
    RecordActivity: record_activity,
}
