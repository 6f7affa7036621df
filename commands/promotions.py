"""Promotion use cases ("events" on the HTTP surface): create, update, activate, deactivate, and the rewards
attached to a promotion. Every handler answers with the promotion's one shape (domain/promotion_shape.py), the
one the read models render.

The commands are the HTTP bodies' fields (commands/promotion_fields.py) plus the ids from the path, flat and
camelCase, so a field error's path is the same pointer the client sent. A field of `UpdatePromotion` or
`UpdatePromotionReward` counts as given when it is present in the message (`model_fields_set`), which is how
`"periodEnd": null` (make it open-ended) differs from leaving it out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import Field

from commands.context import CommandContext
from commands.messages import Command
from commands.promotion_fields import PromotionChanges, PromotionFields, RewardTermsChanges, RewardTermsFields
from domain.promotion import Promotion, PromotionDetails, RewardTerms
from domain.promotion_events import PromotionStatus
from domain.promotion_shape import (
    promotion_document,
    promotion_json,
    promotion_reward_document,
    promotion_reward_json,
)
from domain.reward import Reward
from domain.stored_condition import read_condition
from domain.types import wire_named

ID_FIELD = Field(min_length=1, max_length=128)
#: A promotion's id, `eventId` in messages as on the HTTP surface.
PROMOTION_ID = wire_named("eventId", min_length=1, max_length=128)


class CreatePromotion(Command, PromotionFields):
    """A new promotion, as `POST /events` takes it."""


class UpdatePromotion(Command, PromotionChanges):
    """Only the fields present change."""

    promotion_id: str = PROMOTION_ID


class ActivatePromotion(Command):
    promotion_id: str = PROMOTION_ID


class DeactivatePromotion(Command):
    promotion_id: str = PROMOTION_ID


class AttachReward(Command, RewardTermsFields):
    promotion_id: str = PROMOTION_ID
    reward_id: str = ID_FIELD


class UpdatePromotionReward(Command, RewardTermsChanges):
    """Only the terms present change."""

    promotion_id: str = PROMOTION_ID
    reward_id: str = ID_FIELD


class DetachReward(Command):
    promotion_id: str = PROMOTION_ID
    reward_id: str = ID_FIELD


def promotion_answer(promotion: Promotion) -> dict[str, Any]:
    return promotion_json(promotion_document(promotion))


def promotion_reward_answer(promotion: Promotion, reward_id: str) -> dict[str, Any]:
    return promotion_reward_json(promotion_reward_document(promotion.id, promotion.rewards[reward_id]))


async def create_promotion(command: CreatePromotion, ctx: CommandContext) -> dict[str, Any]:
    details = PromotionDetails(command.name, command.description, command.period_start, command.period_end,
                               read_condition(command.reward_condition, "/rewardCondition"))
    promotion_id, now = uuid.uuid5(uuid.NAMESPACE_URL, f"event:{ctx.command_id}").hex, ctx.clock()

    def create(promotion: Promotion) -> dict[str, Any]:
        if promotion.version:
            return promotion_answer(promotion)  # a retried command: answer with what was stored the first time
        promotion.create(details, command.status, ctx.actor.user_id, now)
        return promotion_answer(promotion)

    answer: dict[str, Any] = await ctx.decide(Promotion, promotion_id, create, new=True)
    return answer


async def update_promotion(command: UpdatePromotion, ctx: CommandContext) -> dict[str, Any]:
    given, now = command.model_fields_set, ctx.clock()
    condition = read_condition(command.reward_condition, "/rewardCondition") if "reward_condition" in given else None

    def update(promotion: Promotion) -> dict[str, Any]:
        promotion.require_exists()
        old = promotion.details
        details = PromotionDetails(
            command.name if "name" in given else old.name,
            command.description if "description" in given else old.description,
            command.period_start if "period_start" in given else old.period_start,
            command.period_end if "period_end" in given else old.period_end,
            condition if "reward_condition" in given else old.reward_condition)
        promotion.update(details, ctx.actor.user_id, now)
        if "status" in given:
            promotion.set_status(command.status, ctx.actor.user_id, now)
        return promotion_answer(promotion)

    return await _decided(ctx, command.promotion_id, update)


async def _decided(ctx: CommandContext, promotion_id: str, decision: Callable[[Promotion], dict[str, Any]]
                   ) -> dict[str, Any]:
    answer: dict[str, Any] = await ctx.decide(Promotion, promotion_id, decision)
    return answer


async def _set_status(promotion_id: str, status: PromotionStatus, ctx: CommandContext) -> dict[str, Any]:
    now = ctx.clock()

    def set_status(promotion: Promotion) -> dict[str, Any]:
        promotion.set_status(status, ctx.actor.user_id, now)
        return promotion_answer(promotion)

    return await _decided(ctx, promotion_id, set_status)


async def activate_promotion(command: ActivatePromotion, ctx: CommandContext) -> dict[str, Any]:
    return await _set_status(command.promotion_id, PromotionStatus.ACTIVE, ctx)


async def deactivate_promotion(command: DeactivatePromotion, ctx: CommandContext) -> dict[str, Any]:
    return await _set_status(command.promotion_id, PromotionStatus.INACTIVE, ctx)


async def attach_reward(command: AttachReward, ctx: CommandContext) -> dict[str, Any]:
    condition, now = read_condition(command.condition, "/condition"), ctx.clock()
    (await ctx.desk_current(Promotion, command.promotion_id)).require_exists()  # 404 for the event before the reward
    reward = await ctx.load(Reward, command.reward_id)
    terms = RewardTerms(command.reward_id, reward.view(), condition, command.auto_resolve, command.stock,
                        command.per_user_limit)

    def attach(promotion: Promotion) -> dict[str, Any]:
        promotion.attach(terms, ctx.actor.user_id, now)
        return promotion_reward_answer(promotion, terms.reward_id)

    return await _decided(ctx, command.promotion_id, attach)


async def update_promotion_reward(command: UpdatePromotionReward, ctx: CommandContext) -> dict[str, Any]:
    given, now = command.model_fields_set, ctx.clock()
    condition = read_condition(command.condition, "/condition") if "condition" in given else None

    def change(promotion: Promotion) -> dict[str, Any]:
        old = promotion.terms(command.reward_id)
        terms = RewardTerms(
            old.reward_id, old.reward, condition if "condition" in given else old.condition,
            command.auto_resolve if "auto_resolve" in given else old.auto_resolve,
            command.stock if "stock" in given else old.stock,
            command.per_user_limit if "per_user_limit" in given else old.per_user_limit, old.granted)
        promotion.change_terms(terms, ctx.actor.user_id, now)
        return promotion_reward_answer(promotion, terms.reward_id)

    return await _decided(ctx, command.promotion_id, change)


async def detach_reward(command: DetachReward, ctx: CommandContext) -> dict[str, Any]:
    now = ctx.clock()

    def detach(promotion: Promotion) -> dict[str, Any]:
        promotion.detach(command.reward_id, ctx.actor.user_id, now)
        return {"eventId": promotion.id, "rewardId": command.reward_id, "detached": True}

    return await _decided(ctx, command.promotion_id, detach)


PROMOTION_HANDLERS: dict[type[Command], Any] = {
    CreatePromotion: create_promotion,
    UpdatePromotion: update_promotion,
    ActivatePromotion: activate_promotion,
    DeactivatePromotion: deactivate_promotion,
    AttachReward: attach_reward,
    UpdatePromotionReward: update_promotion_reward,
    DetachReward: detach_reward,
}
