"""Reward requests: a user asks for a reward of a promotion, the request is decided once, and an approval grants
the reward (SPEC "RewardRequest").

A request lives on its promotion's stream (`Event-<id>`), beside the terms it is decided by: the stock, the
per-user limit, the conditions, the status and period. So every decision is one commit on one stream, and the
stream's version makes it the only decision on that state: no cross-stream step, nothing to compensate, nothing
that can grant twice (docs/design.md "Reward requests: consistency"). The events are published as
`rewards.evt.RewardRequest.<Type>`: the request is an entity of the promotion, but downstream it is its own thing.

The decision is stored with the facts it used (`evaluation`), so replay folds the same outcome without evaluating
again against facts recorded later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import StringConstraints

from domain.clock import iso
from domain.evaluation import Check, CombinatorCheck, Evaluation, LeafCheck
from domain.events import DomainEvent
from domain.types import MultiLine, wire_named

MAX_REASON: Final = 500
Reason = Annotated[MultiLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON)]
#: The reasons the platform itself gives (an operator's reason is free text).
OUT_OF_STOCK: Final = "OUT_OF_STOCK"
CONDITION_NOT_MET: Final = "CONDITION_NOT_MET"
REWARD_DETACHED: Final = "REWARD_DETACHED"


class RequestStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class _RequestFact(DomainEvent):
    AGGREGATE = "RewardRequest"


class RewardRequested(_RequestFact):
    """`evaluation` is the event's `rewardCondition` AND the event reward's `condition` over the user's facts as the
    handler read them (`{eligible, facts, explanation}`; see domain/evaluation.py). `slot` counts this user's
    requests for this reward in this event (1 .. perUserLimit)."""

    request_id: str
    promotion_id: str = wire_named("eventId")
    reward_id: str
    user_id: str
    slot: int
    evaluation: dict[str, Any]
    requested_at: datetime


class RewardRequestApproved(_RequestFact):
    """`decided_by` is None when the platform decided (`autoResolve`)."""

    request_id: str
    promotion_id: str = wire_named("eventId")
    reward_id: str
    user_id: str
    decided_by: str | None
    reason: str | None
    decided_at: datetime


class RewardRequestRejected(_RequestFact):
    request_id: str
    promotion_id: str = wire_named("eventId")
    reward_id: str
    user_id: str
    decided_by: str | None
    reason: str
    decided_at: datetime


class RewardGranted(_RequestFact):
    """What downstream systems act on: the reward as it was attached (`{id, type, name, ...type fields}`: points,
    item and quantity, coupon code and expiry, badge). At most one per request; its event id is the de-duplication
    key of the event feed."""

    request_id: str
    promotion_id: str = wire_named("eventId")
    reward_id: str
    user_id: str
    reward: dict[str, Any]
    granted_at: datetime


@dataclass(slots=True)
class RequestState:
    """What the Promotion aggregate keeps of each request: enough to decide, nothing to render."""

    reward_id: str
    user_id: str
    status: RequestStatus
    #: What the stored evaluation said: a PENDING request resolved later (autoResolve turned on) is decided by it,
    #: never by facts recorded since.
    eligible: bool = True


def request_claim(request_id: str) -> str:
    """The store-wide unique claim of a request's first commit: finds the request's stream (and its evaluation)
    by id, and stores a retried request command once even on another handler process."""
    return f"reward-request:{request_id}"


def condition_reason(evaluation: Evaluation) -> str:
    """`CONDITION_NOT_MET: ` and the leaves that made the rule fail, as `login_days (min 3): saw 1`."""
    failing = _deciding(evaluation.explanation, False) if evaluation.explanation else []
    described = "; ".join(f"{leaf.kind} ({_args(leaf.required)}): saw {_seen(leaf.seen)}" for leaf in failing)
    return f"{CONDITION_NOT_MET}: {described}" if described else CONDITION_NOT_MET


def _deciding(check: Check, outcome: bool) -> list[LeafCheck]:
    """The leaves that made `check` come out `outcome` (under `not`, the child's outcome is the opposite)."""
    if check.passed != outcome:
        return []
    if isinstance(check, LeafCheck):
        return [check]
    child_outcome = (not outcome) if check.op == "not" else outcome
    return [leaf for child in check.children for leaf in _deciding(child, child_outcome)]


def _args(required: dict[str, Any] | Any) -> str:
    return ", ".join(f"{k} {str(v).lower() if isinstance(v, bool) else v}" for k, v in dict(required).items())


def _seen(value: int | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def combined(event_rule: Evaluation, reward_rule: Evaluation) -> Evaluation:
    """Both rules hold: the event's `rewardCondition` and the event reward's `condition` (an absent one holds)."""
    parts = [e.explanation for e in (event_rule, reward_rule) if e.explanation is not None]
    explanation: Check | None
    if len(parts) == 2:
        explanation = CombinatorCheck(op="all", passed=event_rule.eligible and reward_rule.eligible,
                                      children=tuple(parts))
    else:
        explanation = parts[0] if parts else None
    facts = {**event_rule.facts, **reward_rule.facts}
    if "quest_completed" in event_rule.facts and "quest_completed" in reward_rule.facts:
        quests = event_rule.facts["quest_completed"], reward_rule.facts["quest_completed"]
        assert isinstance(quests[0], list) and isinstance(quests[1], list)
        facts["quest_completed"] = sorted(set(quests[0]) | set(quests[1]))
    return Evaluation(eligible=event_rule.eligible and reward_rule.eligible, facts=dict(sorted(facts.items())),
                      explanation=explanation)


def request_document(requested: RewardRequested) -> dict[str, Any]:
    """A new request as the `reward_requests` read model holds it (before any decision)."""
    return {"_id": requested.request_id, "userId": requested.user_id, "eventId": requested.promotion_id,
            "rewardId": requested.reward_id, "status": str(RequestStatus.PENDING), "reason": None,
            "requestedAt": iso(requested.requested_at), "decidedBy": None, "decidedAt": None,
            "evaluation": requested.evaluation, "grant": None}


def decision_fields(decision: RewardRequestApproved | RewardRequestRejected) -> dict[str, Any]:
    """What a decision changes in the request's document."""
    status = RequestStatus.APPROVED if isinstance(decision, RewardRequestApproved) else RequestStatus.REJECTED
    return {"status": str(status), "reason": decision.reason, "decidedBy": decision.decided_by,
            "decidedAt": iso(decision.decided_at)}


def grant_fields(grant: RewardGranted) -> dict[str, Any]:
    return {"grant": {"reward": grant.reward, "grantedAt": iso(grant.granted_at)}}


def request_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The API's `RewardRequest`: the one rendering of a request document, for handlers and read models alike."""
    return {"id": doc["_id"], "userId": doc["userId"], "eventId": doc["eventId"], "rewardId": doc["rewardId"],
            "status": doc["status"], "reason": doc.get("reason"), "requestedAt": doc["requestedAt"],
            "decidedBy": doc.get("decidedBy"), "decidedAt": doc.get("decidedAt"), "evaluation": doc["evaluation"],
            "grant": doc.get("grant")}


def request_document_of(events: list[DomainEvent]) -> dict[str, Any]:
    """The document of one request from its events in order (RewardRequested first)."""
    first = events[0]
    assert isinstance(first, RewardRequested)
    doc = request_document(first)
    for event in events[1:]:
        if isinstance(event, RewardRequestApproved | RewardRequestRejected):
            doc.update(decision_fields(event))
        elif isinstance(event, RewardGranted):
            doc.update(grant_fields(event))
    return doc
