"""Reward catalogue use cases: create a reward of a type named by the path."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from commands.context import CommandContext
from commands.messages import Command
from domain.reward import Reward, parse_reward, reward_document, reward_json


class CreateReward(Command):
    """`fields` is the HTTP body as sent: the handler validates it for `rewardType`, with body-rooted paths."""

    reward_type: str = Field(min_length=1, max_length=32)
    fields: dict[str, Any]


def reward_created_view(reward: Reward) -> dict[str, Any]:
    """The one shape of a reward, as the read model will render it."""
    assert reward.spec is not None, "rendered after it was created"
    return reward_json(reward_document(reward.id, reward.spec, reward.created_at, reward.created_by))


async def create_reward(command: CreateReward, ctx: CommandContext) -> dict[str, Any]:
    spec = parse_reward(command.reward_type, command.fields, ctx.clock())
    reward = Reward(uuid.uuid5(uuid.NAMESPACE_URL, f"reward:{ctx.command_id}").hex)
    reward.create(spec, ctx.actor.user_id, ctx.clock())
    result = await ctx.save(reward)
    if result and result.duplicate:
        reward = await ctx.load(Reward, reward.id)
    return reward_created_view(reward)


REWARD_HANDLERS: dict[type[Command], Any] = {
    CreateReward: create_reward,
}
