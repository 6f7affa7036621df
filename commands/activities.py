"""Recording activity facts, from `POST /activities` and from `rewards.activity.<kind>` alike.

De-duplication is the store's: the commit goes to the new stream `Activity-<id>` with the claim `activity:<id>`,
so the same id twice - even at the same instant, from two handler processes - is stored once. A duplicate is not
an error: the caller is told `duplicate: true` and gets the same 202.
"""

from __future__ import annotations

from typing import Any, Literal

from commands.context import CommandContext
from commands.messages import Command
from commands.store.base import ClaimTaken, ConcurrencyError
from domain.activity_log import ActivityRecord, activity_claim, parse_report


class RecordActivity(Command):
    """`activity` is the reported JSON as sent; it is validated by the domain so paths are rooted at it."""

    activity: Any
    source: Literal["http", "nats"] = "http"


async def record_activity(command: RecordActivity, ctx: CommandContext) -> dict[str, Any]:
    activity = parse_report(command.activity).at(ctx.clock())
    record = ActivityRecord(activity.id)  # not loaded: a brand-new stream is the normal case, the store decides
    record.record(activity, command.source)
    answer = {"id": activity.id, "userId": activity.user_id, "kind": str(activity.kind)}
    try:
        result = await ctx.save(record, claim=activity_claim(activity.id))
    except (ClaimTaken, ConcurrencyError):  # the id is already stored (by another command)
        return {**answer, "duplicate": True}
    return {**answer, "duplicate": bool(result and result.duplicate)}


ACTIVITY_HANDLERS: dict[type[Command], Any] = {
    RecordActivity: record_activity,
}
