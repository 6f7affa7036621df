"""The command -> handler map. Each bounded context keeps its commands and use cases in its own module
(`identity.py`, ...): one `async def verb_noun(command, ctx)` per use case - load, decide, append - returning the
JSON result for the caller; the dispatcher adds stream version and position."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from commands.activities import ACTIVITY_HANDLERS
from commands.context import CommandContext
from commands.identity import IDENTITY_HANDLERS
from commands.messages import Command, Ping
from commands.promotions import PROMOTION_HANDLERS
from commands.reward_requests import REWARD_REQUEST_HANDLERS
from commands.rewards import REWARD_HANDLERS

Handler = Callable[[Any, CommandContext], Awaitable[dict[str, Any]]]


async def ping(command: Ping, ctx: CommandContext) -> dict[str, Any]:
    """Does nothing: the bus round-trip benchmark sends it."""
    return {}


COMMAND_HANDLERS: dict[type[Command], Handler] = {
    Ping: ping,
    **IDENTITY_HANDLERS,
    **PROMOTION_HANDLERS,
    **REWARD_HANDLERS,
    **ACTIVITY_HANDLERS,
    **REWARD_REQUEST_HANDLERS,
}
