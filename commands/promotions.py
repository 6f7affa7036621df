"""Event (promotion) use cases: create, update, activate, deactivate, and the rewards attached to an event.

Commands are flat and camelCase like the HTTP bodies, so a field error's path is the same pointer the client sent.
An optional field of `UpdateEvent`/`UpdateEventReward` counts as given when it is present in the message
(`model_fields_set`), which is how `"periodEnd": null` (make it open-ended) differs from leaving it out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import Field

from commands.context import CommandContext
from commands.messages import Command
from domain.clock import iso
from domain.conditions import condition_to_json
from domain.promotion import (
    Description,
    EventDetails,
    EventName,
    PerUserLimit,
    Promotion,
    RewardTerms,
    Stock,
)
from domain.promotion_events import EventStatus
from domain.reward import Reward
from domain.stored_condition import read_condition
from domain.types import IsoTime, StrictBool

ID_FIELD = Field(min_length=1, max_length=128)
_UNSET_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)


class CreateEvent(Command):
    """`title` is the body's `name` (a field called `name` would hide `Command.subject_name()`, the subject)."""

    title: EventName = Field(alias="name")
    description: Description = ""
    period_start: IsoTime
    period_end: IsoTime | None = None
    status: EventStatus = EventStatus.ACTIVE
    reward_condition: Any = None


class UpdateEvent(Command):
    """Only the fields present change; `periodEnd: null` makes the event open-ended, `rewardCondition: null`
    removes the condition."""

    event_id: str = ID_FIELD
    title: EventName = Field(default="", alias="name")
    description: Description = ""
    period_start: IsoTime = _UNSET_TIME
    period_end: IsoTime | None = None
    status: EventStatus = EventStatus.ACTIVE
    reward_condition: Any = None


class ActivateEvent(Command):
    event_id: str = ID_FIELD


class DeactivateEvent(Command):
    event_id: str = ID_FIELD


class AttachReward(Command):
    event_id: str = ID_FIELD
    reward_id: str = ID_FIELD
    condition: Any = None
    auto_resolve: StrictBool = False
    stock: Stock | None = None
    per_user_limit: PerUserLimit = 1


class UpdateEventReward(AttachReward):
    """The same terms as attaching, replacing the current ones."""


class DetachReward(Command):
    event_id: str = ID_FIELD
    reward_id: str = ID_FIELD


def event_view(event: Promotion) -> dict[str, Any]:
    """The API shape of an event; `projections.events.event_doc_to_json` gives the same for the same state."""
    d = event.details
    return {"id": event.id, "name": d.name, "description": d.description, "periodStart": iso(d.period_start),
            "periodEnd": iso(d.period_end), "status": str(event.status),
            "rewardCondition": condition_to_json(d.reward_condition), "createdBy": event.created_by,
            "createdAt": iso(event.created_at), "updatedAt": iso(event.updated_at)}


def event_reward_view(event_id: str, terms: RewardTerms) -> dict[str, Any]:
    return {"eventId": event_id, "rewardId": terms.reward_id, "reward": terms.reward,
            "condition": condition_to_json(terms.condition), "autoResolve": terms.auto_resolve,
            "stock": terms.stock, "remaining": terms.remaining, "perUserLimit": terms.per_user_limit}


async def create_event(command: CreateEvent, ctx: CommandContext) -> dict[str, Any]:
    details = EventDetails(command.title, command.description, command.period_start, command.period_end,
                           read_condition(command.reward_condition, "/rewardCondition"))
    event = Promotion(uuid.uuid5(uuid.NAMESPACE_URL, f"event:{ctx.command_id}").hex)
    event.create(details, command.status, ctx.actor.user_id, ctx.clock())
    result = await ctx.save(event)
    if result and result.duplicate:  # a retried command: answer with what was stored the first time
        event = await ctx.load(Promotion, event.id)
    return event_view(event)


async def _existing(ctx: CommandContext, event_id: str) -> Promotion:
    event = await ctx.load(Promotion, event_id)
    event.require_exists()
    return event


async def update_event(command: UpdateEvent, ctx: CommandContext) -> dict[str, Any]:
    event = await _existing(ctx, command.event_id)
    given, now, old = command.model_fields_set, ctx.clock(), event.details
    details = EventDetails(
        command.title if "title" in given else old.name,
        command.description if "description" in given else old.description,
        command.period_start if "period_start" in given else old.period_start,
        command.period_end if "period_end" in given else old.period_end,
        read_condition(command.reward_condition, "/rewardCondition") if "reward_condition" in given
        else old.reward_condition)
    event.update(details, ctx.actor.user_id, now)
    if "status" in given:
        event.set_status(command.status, ctx.actor.user_id, now)
    await ctx.save(event)
    return event_view(event)


async def activate_event(command: ActivateEvent, ctx: CommandContext) -> dict[str, Any]:
    event = await _existing(ctx, command.event_id)
    event.set_status(EventStatus.ACTIVE, ctx.actor.user_id, ctx.clock())
    await ctx.save(event)
    return event_view(event)


async def deactivate_event(command: DeactivateEvent, ctx: CommandContext) -> dict[str, Any]:
    event = await _existing(ctx, command.event_id)
    event.set_status(EventStatus.INACTIVE, ctx.actor.user_id, ctx.clock())
    await ctx.save(event)
    return event_view(event)


async def attach_reward(command: AttachReward, ctx: CommandContext) -> dict[str, Any]:
    condition = read_condition(command.condition, "/condition")
    event = await _existing(ctx, command.event_id)
    reward = await ctx.load(Reward, command.reward_id)
    terms = RewardTerms(command.reward_id, reward.view(), condition, command.auto_resolve, command.stock,
                        command.per_user_limit)
    event.attach(terms, ctx.actor.user_id, ctx.clock())
    await ctx.save(event)
    return event_reward_view(event.id, event.rewards[terms.reward_id])


async def update_event_reward(command: UpdateEventReward, ctx: CommandContext) -> dict[str, Any]:
    event = await _existing(ctx, command.event_id)
    old, given = event.terms(command.reward_id), command.model_fields_set
    terms = RewardTerms(
        old.reward_id, old.reward,
        read_condition(command.condition, "/condition") if "condition" in given else old.condition,
        command.auto_resolve if "auto_resolve" in given else old.auto_resolve,
        command.stock if "stock" in given else old.stock,
        command.per_user_limit if "per_user_limit" in given else old.per_user_limit, old.granted)
    event.change_terms(terms, ctx.actor.user_id, ctx.clock())
    await ctx.save(event)
    return event_reward_view(event.id, event.rewards[terms.reward_id])


async def detach_reward(command: DetachReward, ctx: CommandContext) -> dict[str, Any]:
    event = await _existing(ctx, command.event_id)
    event.detach(command.reward_id, ctx.actor.user_id, ctx.clock())
    await ctx.save(event)
    return {"eventId": event.id, "rewardId": command.reward_id, "detached": True}


PROMOTION_HANDLERS: dict[type[Command], Any] = {
    CreateEvent: create_event,
    UpdateEvent: update_event,
    ActivateEvent: activate_event,
    DeactivateEvent: deactivate_event,
    AttachReward: attach_reward,
    UpdateEventReward: update_event_reward,
    DetachReward: detach_reward,
}
