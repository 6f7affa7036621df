"""Policies (process managers): a stored event that calls for a follow-up command, decided without a person.

This module is the pure part: an event in, the follow-up commands out. Each follow-up's command id derives from the
triggering event's id (and the policy's name), and a command's commit id derives from its command id, so an event
handed over twice (a runner that crashed before its checkpoint, a replayed batch) issues the same command twice and
the store keeps its events once; a second run that finds nothing left to decide records nothing.
projections/policy_runner.py follows the store and dispatches them in-process as the `policy` caller.

- `RewardDetachedFromEvent` -> reject the reward's PENDING requests, reason `REWARD_DETACHED`.
- `EventRewardUpdated` that turned `autoResolve` on -> decide the reward's PENDING requests by their stored
  evaluations (never against newer facts).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from commands.messages import Command
from commands.reward_requests import Settlement, SettlePendingRequests
from domain.events import RecordedEvent
from domain.promotion_events import EventRewardUpdated, RewardDetachedFromEvent

#: The event types any policy reacts to (the runner reads only these).
TRIGGERS: Final = frozenset({RewardDetachedFromEvent.__name__, EventRewardUpdated.__name__})


@dataclass(frozen=True)
class FollowUp:
    policy: str
    command_id: str
    command: Command


def follow_up_id(policy: str, event_id: str) -> str:
    """The same triggering event always gives the same command id (hence the same commit id)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"policy:{policy}:{event_id}").hex


def follow_ups(recorded: RecordedEvent) -> list[FollowUp]:
    event = recorded.event
    settlement: Settlement
    match event:
        case RewardDetachedFromEvent():
            policy, settlement = "reject-requests-of-detached-reward", "REWARD_DETACHED"
        case EventRewardUpdated() if event.auto_resolve and "autoResolve" in event.changed:
            policy, settlement = "auto-resolve-pending-requests", "AUTO_RESOLVE"
        case _:
            return []
    command = SettlePendingRequests(promotion_id=event.promotion_id, reward_id=event.reward_id,
                                    settlement=settlement)
    return [FollowUp(policy, follow_up_id(policy, recorded.event_id), command)]
