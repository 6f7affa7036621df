"""The Promotion aggregate (an "event" on the HTTP surface and in the store's names) with the rewards attached to
it. Inside the code a promotion is always `Promotion`/`promotion_id`, so it never reads like a stored event. Stream
`Event-<id>`: the promotion's rewards live on its stream because "one reward at most once per promotion" and,
later, stock are invariants of one promotion, kept by its stream version.

Periods are half-open, `[periodStart, periodEnd)`; no end means open-ended. Times are UTC with millisecond
precision (what the store keeps), so what a handler answers equals what a read model later shows.
"""

from __future__ import annotations

import copy
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from pydantic import Field, StringConstraints

from domain.aggregate import Aggregate
from domain.clock import to_ms
from domain.conditions import Condition
from domain.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from domain.evaluation import Evaluation, FactView, evaluate
from domain.events import DomainEvent
from domain.promotion_events import (
    EventActivated,
    EventCreated,
    EventDeactivated,
    EventRewardUpdated,
    EventUpdated,
    PromotionStatus,
    RewardAttachedToEvent,
    RewardDetachedFromEvent,
)
from domain.reward_request import (
    CONDITION_NOT_MET,
    OUT_OF_STOCK,
    RequestState,
    RequestStatus,
    RewardGranted,
    RewardRequestApproved,
    RewardRequested,
    RewardRequestRejected,
    combined,
    condition_reason,
)
from domain.stored_condition import load_condition, store_condition
from domain.types import MultiLine, Name, StrictInt

MAX_STOCK: Final = 10**9
MAX_PER_USER: Final = 1000
PromotionName = Name
Description = Annotated[MultiLine, StringConstraints(max_length=2000)]
Stock = Annotated[StrictInt, Field(ge=0, le=MAX_STOCK)]
PerUserLimit = Annotated[StrictInt, Field(ge=1, le=MAX_PER_USER)]


@dataclass(frozen=True)
class PromotionDetails:
    """What `PATCH /events/{id}` may change besides the status."""

    name: str
    description: str
    period_start: datetime
    period_end: datetime | None
    reward_condition: Condition | None


@dataclass(frozen=True)
class RewardTerms:
    """How a reward is offered in one event; `granted` counts its grants (RewardGranted), so `remaining` is exact."""

    reward_id: str
    reward: dict[str, Any]
    condition: Condition | None = None
    auto_resolve: bool = False
    stock: int | None = None
    per_user_limit: int = 1
    granted: int = 0

    @property
    def remaining(self) -> int | None:
        return remaining(self.stock, self.granted)


def remaining(stock: int | None, granted: int) -> int | None:
    """What is left to grant; None is unlimited."""
    return None if stock is None else max(0, stock - granted)


def check_period(start: datetime, end: datetime | None) -> None:
    if end is not None and end <= start:
        raise InvalidInput("the event period is empty", [FieldError("/periodEnd", "must be after periodStart")])


class Promotion(Aggregate):
    #: The store's name of the stream, as SPEC names it.
    STREAM_PREFIX = "Event"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.details = PromotionDetails("", "", datetime.min.replace(tzinfo=UTC), None, None)
        self.status = PromotionStatus.ACTIVE
        self.created_by: str | None = None
        self.created_at: datetime | None = None
        self.updated_at: datetime | None = None
        self.rewards: MutableMapping[str, RewardTerms] = {}
        #: Every request on this promotion, and how many each user made per reward (`(reward_id, user_id)`):
        #: both survive a detach, so re-attaching a reward does not reset anyone's limit.
        self.requests: MutableMapping[str, RequestState] = {}
        self.taken: MutableMapping[tuple[str, str], int] = {}

    def draft(self) -> Promotion:
        """A copy to decide on: it shares this aggregate's maps read-only (changes go to its own layer), so a batch
        of decisions costs nothing to abandon and the aggregate only ever holds what was stored."""
        d = copy.copy(self)
        d.rewards, d.requests = ChainMap({}, self.rewards), ChainMap({}, self.requests)
        d.taken = ChainMap({}, self.taken)
        d._pending = []
        return d

    def require_exists(self) -> None:
        if not self.exists:
            raise NotFound(f"event {self.id} not found")

    def in_period(self, at: datetime) -> bool:
        d = self.details
        return d.period_start <= at and (d.period_end is None or at < d.period_end)

    def create(self, details: PromotionDetails, status: PromotionStatus, by: str | None, at: datetime) -> None:
        if self.exists:
            raise Conflict(f"event {self.id} already exists")
        check_period(details.period_start, details.period_end)
        self.trigger(EventCreated(
            promotion_id=self.id, name=details.name, description=details.description,
            period_start=to_ms(details.period_start),
            period_end=to_ms(details.period_end) if details.period_end else None, status=status,
            reward_condition=store_condition(details.reward_condition), created_by=by, created_at=at))

    def update(self, details: PromotionDetails, by: str | None, at: datetime) -> None:
        """Record the new details when any differs; the period is checked as it will be after the change."""
        self.require_exists()
        details = replace(details, period_start=to_ms(details.period_start),
                          period_end=to_ms(details.period_end) if details.period_end else None)
        check_period(details.period_start, details.period_end)
        changed = [name for name, new, old in _pairs(details, self.details) if new != old]
        if changed:
            self.trigger(EventUpdated(
                promotion_id=self.id, name=details.name, description=details.description,
                period_start=details.period_start, period_end=details.period_end,
                reward_condition=store_condition(details.reward_condition), changed=changed, updated_by=by,
                updated_at=at))

    def set_status(self, status: PromotionStatus, by: str | None, at: datetime) -> None:
        """Activating an active event (or deactivating an inactive one) records nothing."""
        self.require_exists()
        if status is not self.status:
            cls = EventActivated if status is PromotionStatus.ACTIVE else EventDeactivated
            self.trigger(cls(promotion_id=self.id, changed_by=by, at=at))

    def attach(self, terms: RewardTerms, by: str | None, at: datetime) -> None:
        self.require_exists()
        if terms.reward_id in self.rewards:
            raise Conflict(f"reward {terms.reward_id} is already attached to event {self.id}",
                           [FieldError("/rewardId", "already attached to this event")])
        self.trigger(RewardAttachedToEvent(
            promotion_id=self.id, reward_id=terms.reward_id, reward=terms.reward,
            condition=store_condition(terms.condition), auto_resolve=terms.auto_resolve, stock=terms.stock,
            per_user_limit=terms.per_user_limit, attached_by=by, at=at))

    def terms(self, reward_id: str) -> RewardTerms:
        self.require_exists()
        if reward_id not in self.rewards:
            raise NotFound(f"reward {reward_id} is not attached to event {self.id}")
        return self.rewards[reward_id]

    def change_terms(self, terms: RewardTerms, by: str | None, at: datetime) -> None:
        old = self.terms(terms.reward_id)
        if terms.stock is not None and terms.stock < old.granted:
            raise InvalidInput("stock below what was already granted",
                               [FieldError("/stock", f"must be at least {old.granted}, the number already granted")])
        changed = [name for name in ("condition", "auto_resolve", "stock", "per_user_limit")
                   if getattr(terms, name) != getattr(old, name)]
        if changed:
            self.trigger(EventRewardUpdated(
                promotion_id=self.id, reward_id=terms.reward_id, condition=store_condition(terms.condition),
                auto_resolve=terms.auto_resolve, stock=terms.stock, per_user_limit=terms.per_user_limit,
                changed=[_CAMEL[name] for name in changed], updated_by=by, at=at))

    def detach(self, reward_id: str, by: str | None, at: datetime) -> None:
        self.terms(reward_id)
        self.trigger(RewardDetachedFromEvent(promotion_id=self.id, reward_id=reward_id, detached_by=by, at=at))

    def request_reward(self, request_id: str, reward_id: str, user_id: str, facts: FactView, at: datetime) -> None:
        """A user's request: refused (nothing recorded) unless the event is ACTIVE and inside its period (400), the
        reward is attached (404) and the user is below `perUserLimit` (409). Recorded with the evaluation of both
        rules; with `autoResolve` it is decided at once, in the same commit."""
        self.require_exists()
        if request_id in self.requests:
            raise Conflict(f"reward request {request_id} already exists")
        if self.status is not PromotionStatus.ACTIVE:
            raise DomainError(f"event {self.id} is not active", [], "bad-request")
        if not self.in_period(at):
            raise DomainError(f"event {self.id} is not running now (its period is "
                              f"{self.details.period_start.isoformat()} to "
                              f"{self.details.period_end.isoformat() if self.details.period_end else 'open'})",
                              [], "bad-request")
        terms = self.terms(reward_id)
        slot = self.taken.get((reward_id, user_id), 0) + 1
        if slot > terms.per_user_limit:
            raise Conflict(f"reward {reward_id} of event {self.id} was already requested "
                           f"{terms.per_user_limit} time(s) by this user, its limit",
                           [FieldError("/rewardId", "already requested")])
        evaluation = self.evaluate(terms, facts)
        self.trigger(RewardRequested(request_id=request_id, promotion_id=self.id, reward_id=reward_id,
                                     user_id=user_id, slot=slot, evaluation=evaluation.to_json(), requested_at=at))
        if terms.auto_resolve:
            if evaluation.eligible:
                self._approve(request_id, None, None, at)
            else:
                self._reject(request_id, None, condition_reason(evaluation), at)

    def evaluate(self, terms: RewardTerms, facts: FactView) -> Evaluation:
        """The event's rule AND the reward's, over the facts as seen in this event's period."""
        return combined(evaluate(self.details.reward_condition, facts), evaluate(terms.condition, facts))

    def decide(self, request_id: str, approve: bool, by: str | None, reason: str | None, at: datetime) -> None:
        """An operator's decision, only from PENDING (409 otherwise). An approval takes one of the stock and grants
        the reward; with no stock left the request is rejected `OUT_OF_STOCK` instead."""
        state = self.requests.get(request_id)
        if state is None:
            raise NotFound(f"reward request {request_id} not found")
        if state.status is not RequestStatus.PENDING:
            raise Conflict(f"reward request {request_id} is already {state.status.value}",
                           [FieldError("/status", f"the request is {state.status.value}; only PENDING can change")])
        if not approve:
            self._reject(request_id, by, reason or "REJECTED", at)
            return
        if state.reward_id not in self.rewards:
            raise Conflict(f"reward {state.reward_id} is no longer attached to event {self.id}")
        self._approve(request_id, by, reason, at)

    def pending(self, reward_id: str) -> list[str]:
        """The PENDING requests of one reward, oldest first."""
        return [rid for rid, state in self.requests.items()
                if state.reward_id == reward_id and state.status is RequestStatus.PENDING]

    def reject_pending(self, reward_id: str, reason: str, at: datetime) -> None:
        """A detached reward can no longer be granted: its PENDING requests are rejected with `reason`. Nothing
        happens while the reward is attached (again): then a request waits for an operator as usual."""
        self.require_exists()
        if reward_id in self.rewards:
            return
        for request_id in self.pending(reward_id):
            self._reject(request_id, None, reason, at)

    def resolve_pending(self, reward_id: str, reasons: Mapping[str, str], at: datetime) -> None:
        """`autoResolve` was turned on: decide the reward's PENDING requests as a request would have been decided,
        by the evaluation stored with it (eligible: approved and granted, stock permitting, else OUT_OF_STOCK;
        not eligible: rejected with `reasons[request_id]`, the stored evaluation's `condition_reason`). Nothing
        happens unless the reward is attached with `autoResolve` on now (it may have been turned off since)."""
        self.require_exists()
        terms = self.rewards.get(reward_id)
        if terms is None or not terms.auto_resolve:
            return
        for request_id in self.pending(reward_id):
            if self.requests[request_id].eligible:
                self._approve(request_id, None, None, at)
            else:
                self._reject(request_id, None, reasons.get(request_id, CONDITION_NOT_MET), at)

    def _approve(self, request_id: str, by: str | None, reason: str | None, at: datetime) -> None:
        state = self.requests[request_id]
        terms = self.rewards[state.reward_id]
        if terms.remaining == 0:
            self._reject(request_id, by, OUT_OF_STOCK, at)
            return
        self.trigger(RewardRequestApproved(request_id=request_id, promotion_id=self.id, reward_id=state.reward_id,
                                           user_id=state.user_id, decided_by=by, reason=reason, decided_at=at))
        self.trigger(RewardGranted(request_id=request_id, promotion_id=self.id, reward_id=state.reward_id,
                                   user_id=state.user_id, reward=terms.reward, granted_at=at))

    def _reject(self, request_id: str, by: str | None, reason: str, at: datetime) -> None:
        state = self.requests[request_id]
        self.trigger(RewardRequestRejected(request_id=request_id, promotion_id=self.id, reward_id=state.reward_id,
                                           user_id=state.user_id, decided_by=by, reason=reason, decided_at=at))

    def apply(self, event: DomainEvent) -> None:
        match event:
            case EventCreated():
                self.details = PromotionDetails(event.name, event.description, event.period_start, event.period_end,
                                            load_condition(event.reward_condition))
                self.status, self.created_by = event.status, event.created_by
                self.created_at = self.updated_at = event.created_at
            case EventUpdated():
                self.details = PromotionDetails(event.name, event.description, event.period_start, event.period_end,
                                            load_condition(event.reward_condition))
                self.updated_at = event.updated_at
            case EventActivated() | EventDeactivated():
                self.status = PromotionStatus.ACTIVE if isinstance(event, EventActivated) else PromotionStatus.INACTIVE
                self.updated_at = event.at
            case RewardAttachedToEvent():
                self.rewards[event.reward_id] = RewardTerms(
                    event.reward_id, event.reward, load_condition(event.condition), event.auto_resolve,
                    event.stock, event.per_user_limit)
            case EventRewardUpdated():
                self.rewards[event.reward_id] = replace(
                    self.rewards[event.reward_id], condition=load_condition(event.condition),
                    auto_resolve=event.auto_resolve, stock=event.stock, per_user_limit=event.per_user_limit)
            case RewardDetachedFromEvent():
                self.rewards = {k: v for k, v in self.rewards.items() if k != event.reward_id}
            case RewardRequested():
                self.requests[event.request_id] = RequestState(event.reward_id, event.user_id, RequestStatus.PENDING,
                                                               bool(event.evaluation.get("eligible", False)))
                key = (event.reward_id, event.user_id)
                self.taken[key] = self.taken.get(key, 0) + 1
            case RewardRequestApproved() | RewardRequestRejected():
                old = self.requests[event.request_id]
                status = RequestStatus.APPROVED if isinstance(event, RewardRequestApproved) else RequestStatus.REJECTED
                self.requests[event.request_id] = RequestState(old.reward_id, old.user_id, status, old.eligible)
            case RewardGranted():
                if (terms := self.rewards.get(event.reward_id)) is not None:
                    self.rewards[event.reward_id] = replace(terms, granted=terms.granted + 1)


_CAMEL: Final = {"name": "name", "description": "description", "period_start": "periodStart",
                 "period_end": "periodEnd", "reward_condition": "rewardCondition", "condition": "condition",
                 "auto_resolve": "autoResolve", "stock": "stock", "per_user_limit": "perUserLimit"}


def _pairs(new: PromotionDetails, old: PromotionDetails) -> list[tuple[str, object, object]]:
    return [(_CAMEL[name], getattr(new, name), getattr(old, name))
            for name in ("name", "description", "period_start", "period_end", "reward_condition")]
