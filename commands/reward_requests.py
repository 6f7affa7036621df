"""Reward requests: a user requests a reward of an event, an operator (or `autoResolve`) decides, an approval grants.

Both commands are decisions on the promotion's stream, run through the desk (commands/desk.py), so concurrent
requests on one promotion are decided one after another on one copy of its state and written together. The user's
facts are read before the decision (commands/facts.py), outside the serialised part.

A request's id derives from the command id, and its first commit claims `reward-request:<id>`: a retried command
(the same Idempotency-Key, or a handler that died after storing and before replying) finds its request and answers
with it instead of making a second one. The claim is also how a decision finds the request's promotion.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field

from commands.context import CommandContext
from commands.messages import POLICY, Access, Command
from commands.promotions import PROMOTION_ID
from commands.store.base import EventStore, commit_claim
from domain.activity_facts import UserFacts
from domain.errors import Conflict, NotFound
from domain.evaluation import stored_evaluation
from domain.events import DomainEvent, RecordedEvent
from domain.promotion import Promotion
from domain.reward_request import (
    REWARD_DETACHED,
    Reason,
    RewardRequestApproved,
    RewardRequested,
    RewardRequestRejected,
    condition_reason,
    request_claim,
    request_document_of,
    request_json,
)

ID_FIELD = Field(min_length=1, max_length=128)


class RequestReward(Command):
    """A user asks for a reward of an event (`POST /events/{eventId}/request-reward`); the user is the caller.
    `minPosition`: decide on facts folded at least up to this store position (an activity's `Ledger-Position`)."""

    ACCESS = Access(roles=frozenset({"USER"}))

    promotion_id: str = PROMOTION_ID
    reward_id: str = ID_FIELD
    min_position: int | None = Field(default=None, ge=0)


class DecideRewardRequest(Command):
    """An operator approves or rejects a PENDING request (`PATCH /reward-requests/{requestId}`)."""

    request_id: str = ID_FIELD
    status: Literal["APPROVED", "REJECTED"]
    reason: Reason | None = None


def request_id_for(command_id: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"reward-request:{command_id}").hex


async def first_commit(store: EventStore, request_id: str) -> list[RecordedEvent]:
    """The request's first commit (RewardRequested, and its decision when auto-resolved), found by its claim."""
    first = await store.claimed(request_claim(request_id))
    if not first:
        raise NotFound(f"reward request {request_id} not found")
    return first


async def request_answer(store: EventStore, request_id: str) -> dict[str, Any]:
    """The request as the API shows it: its first commit plus the decisions on it stored since."""
    first = await first_commit(store, request_id)
    later = await store.read_stream(first[0].stream_id, after_version=first[-1].version)
    events = [r.event for r in first] + [r.event for r in later if getattr(r.event, "request_id", None) == request_id]
    return request_json(request_document_of(events))


async def request_reward(command: RequestReward, ctx: CommandContext) -> dict[str, Any]:
    assert ctx.actor.user_id is not None  # Access: a signed-in USER
    user_id, request_id, now = ctx.actor.user_id, request_id_for(ctx.command_id), ctx.clock()
    facts: UserFacts = await ctx.facts.facts_of(user_id, command.min_position)

    def decide(promotion: Promotion) -> list[DomainEvent] | None:
        if request_id in promotion.requests:
            return None  # this command was stored before (a retry): answer with what it stored
        view = facts.view(promotion.details.period_start, promotion.details.period_end)
        promotion.request_reward(request_id, command.reward_id, user_id, view, now)
        return list(promotion.uncommitted)

    events = await ctx.decide(Promotion, command.promotion_id, decide, claim=request_claim(request_id))
    if events is None:
        return await request_answer(ctx.store, request_id)
    return request_json(request_document_of(events))


async def decide_reward_request(command: DecideRewardRequest, ctx: CommandContext) -> dict[str, Any]:
    requested = (await first_commit(ctx.store, command.request_id))[0].event
    assert isinstance(requested, RewardRequested)
    approve, now = command.status == "APPROVED", ctx.clock()

    def decide(promotion: Promotion) -> list[DomainEvent]:
        promotion.decide(command.request_id, approve, ctx.actor.user_id, command.reason, now)
        return list(promotion.uncommitted)

    try:
        events = await ctx.decide(Promotion, requested.promotion_id, decide)
    except Conflict:
        # Decided already - by this very command, when its reply was lost (a handler that died after storing, a
        # retry with the same Idempotency-Key after a 503)? Then answer what it stored, as the first reply would.
        stored = await ctx.store.claimed(commit_claim(ctx.command_id))
        if not stored:
            raise
        events = [r.event for r in stored]
    return request_json(request_document_of([requested, *events]))


REWARD_REQUEST_HANDLERS: dict[type[Command], Any] = {
    RequestReward: request_reward,
    DecideRewardRequest: decide_reward_request,
}


Settlement = Literal["REWARD_DETACHED", "AUTO_RESOLVE"]


class SettlePendingRequests(Command):
    """A policy's follow-up (commands/policies.py): decide one reward's PENDING requests without an operator.
    `REWARD_DETACHED`: reject them, as the reward can no longer be granted; `AUTO_RESOLVE` (autoResolve was turned
    on): decide each by the evaluation stored with it. Only a policy may send it, and no NATS subject carries it
    (it is in POLICY_HANDLERS, not in the bus's map)."""

    ACCESS = Access(public=True, callers=frozenset({POLICY}))

    promotion_id: str = PROMOTION_ID
    reward_id: str = ID_FIELD
    settlement: Settlement


async def settle_pending_requests(command: SettlePendingRequests, ctx: CommandContext) -> dict[str, Any]:
    """Answers with the ids of the requests it decided (none when a redelivered event finds them decided)."""
    now = ctx.clock()
    reasons: dict[str, str] = {}
    if command.settlement == "AUTO_RESOLVE":
        reasons = await _rejection_reasons(ctx, command.promotion_id, command.reward_id)

    def decide(promotion: Promotion) -> list[DomainEvent]:
        if command.settlement == "AUTO_RESOLVE":
            promotion.resolve_pending(command.reward_id, reasons, now)
        else:
            promotion.reject_pending(command.reward_id, REWARD_DETACHED, now)
        return list(promotion.uncommitted)

    events = await ctx.decide(Promotion, command.promotion_id, decide)
    decided = [e.request_id for e in events if isinstance(e, RewardRequestApproved | RewardRequestRejected)]
    return {"eventId": command.promotion_id, "rewardId": command.reward_id, "decided": decided}


async def _rejection_reasons(ctx: CommandContext, promotion_id: str, reward_id: str) -> dict[str, str]:
    """`condition_reason` of each PENDING, not eligible request of the reward, from its stored evaluation (read
    only when there is one: the stream is read whole)."""
    current = await ctx.desk_current(Promotion, promotion_id)
    wanted = {rid for rid in current.pending(reward_id) if not current.requests[rid].eligible}
    if not wanted:
        return {}
    stream = await ctx.store.read_stream(Promotion.stream_id(promotion_id))
    return {r.event.request_id: condition_reason(stored_evaluation(r.event.evaluation)) for r in stream
            if isinstance(r.event, RewardRequested) and r.event.request_id in wanted}


#: Commands only a policy sends, dispatched in-process (projections/policy_runner.py).
POLICY_HANDLERS: dict[type[Command], Any] = {SettlePendingRequests: settle_pending_requests}
