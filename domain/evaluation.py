"""Evaluating a condition against a user's facts for one period: a pure function with an explanation.

The explanation is stored with every reward request (SPEC "Reward request" `evaluation`), so an operator, an
auditor or the user can see which fact fell short, and a later change of facts never rewrites a past decision.
Every child of `all`/`any` is evaluated (no short-circuit) so the explanation is complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias

from domain.conditions import (
    AllOf,
    AnyOf,
    Checkins,
    Condition,
    Invites,
    Leaf,
    Level,
    LoginDays,
    Not,
    PurchaseTotal,
    QuestCompleted,
)

FactValue: TypeAlias = int | list[str]


class FactView(Protocol):
    """What a leaf can ask about one user in one period; `domain.activity_facts.UserFacts.view` provides it."""

    def login_days(self, *, consecutive: bool) -> int: ...

    def invites(self) -> int: ...

    def checkins(self) -> int: ...

    def purchase_total(self, currency: str | None) -> int: ...

    def level(self) -> int: ...

    def quest_completed(self, quest_id: str) -> bool: ...


@dataclass(frozen=True)
class LeafCheck:
    """One leaf: `required` is the leaf's arguments with defaults filled in, `seen` the fact it was compared to."""

    kind: str
    required: Mapping[str, Any]
    seen: int | bool
    passed: bool

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "required": dict(self.required), "seen": self.seen, "passed": self.passed}


@dataclass(frozen=True)
class CombinatorCheck:
    op: Literal["all", "any", "not"]
    passed: bool
    children: tuple[Check, ...]

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "passed": self.passed, "children": [c.to_json() for c in self.children]}


Check: TypeAlias = LeafCheck | CombinatorCheck


@dataclass(frozen=True)
class Evaluation:
    """The outcome. `facts` is flat: counters by name (`login_days`, `consecutive_login_days`, `invites`,
    `checkins`, `level`, `purchase_total` or `purchase_total:KRW`) and `quest_completed`, the sorted quest ids asked
    about that the user has completed. Keys never contain user-chosen text, so the dict is safe as a Mongo document.
    """

    eligible: bool
    facts: Mapping[str, FactValue]
    explanation: Check | None

    def to_json(self) -> dict[str, Any]:
        facts = {k: list(v) if isinstance(v, list) else v for k, v in self.facts.items()}
        explanation = self.explanation.to_json() if self.explanation is not None else None
        return {"eligible": self.eligible, "facts": facts, "explanation": explanation}


def stored_evaluation(doc: Mapping[str, Any]) -> Evaluation:
    """An evaluation as `Evaluation.to_json` stored it (to explain a past decision again, never to re-decide)."""
    explanation = doc.get("explanation")
    return Evaluation(eligible=bool(doc.get("eligible")), facts=dict(doc.get("facts") or {}),
                      explanation=_stored_check(explanation) if explanation else None)


def _stored_check(doc: Mapping[str, Any]) -> Check:
    if "op" in doc:
        return CombinatorCheck(op=doc["op"], passed=bool(doc["passed"]),
                               children=tuple(_stored_check(c) for c in doc.get("children", ())))
    return LeafCheck(kind=doc["kind"], required=dict(doc.get("required") or {}), seen=doc["seen"],
                     passed=bool(doc["passed"]))


def evaluate(condition: Condition | None, facts: FactView) -> Evaluation:
    """Decide eligibility; an absent condition is always eligible and asks for no facts."""
    if condition is None:
        return Evaluation(eligible=True, facts={}, explanation=None)
    counters: dict[str, int] = {}
    quests: set[str] = set()
    check = _check(condition, facts, counters, quests)
    seen: dict[str, FactValue] = dict(sorted(counters.items()))
    if quests:
        seen["quest_completed"] = sorted(quests)
    return Evaluation(eligible=check.passed, facts=seen, explanation=check)


def holds(condition: Condition | None, facts: FactView) -> bool:
    """Eligibility alone, short-circuiting and without an explanation: for counting many users (the preview);
    `evaluate(...).eligible` is the same answer. Leaves read their facts exactly as `evaluate` does."""
    if condition is None:
        return True
    if isinstance(condition, AllOf):
        return all(holds(rule, facts) for rule in condition.rules)
    if isinstance(condition, AnyOf):
        return any(holds(rule, facts) for rule in condition.rules)
    if isinstance(condition, Not):
        return not holds(condition.rule, facts)
    if isinstance(condition, QuestCompleted):
        return facts.quest_completed(condition.quest_id)
    return _counter(condition, facts)[1] >= condition.min


def _check(condition: Condition, facts: FactView, counters: dict[str, int], quests: set[str]) -> Check:
    if isinstance(condition, AllOf | AnyOf):
        children = tuple(_check(rule, facts, counters, quests) for rule in condition.rules)
        combine = all if isinstance(condition, AllOf) else any
        op: Literal["all", "any"] = "all" if isinstance(condition, AllOf) else "any"
        return CombinatorCheck(op=op, passed=combine(c.passed for c in children), children=children)
    if isinstance(condition, Not):
        child = _check(condition.rule, facts, counters, quests)
        return CombinatorCheck(op="not", passed=not child.passed, children=(child,))
    if isinstance(condition, QuestCompleted):
        done = facts.quest_completed(condition.quest_id)
        if done:
            quests.add(condition.quest_id)
        return _leaf(condition, done, done)
    name, value = _counter(condition, facts)
    counters[name] = value
    return _leaf(condition, value, value >= condition.min)


def _counter(condition: LoginDays | Invites | PurchaseTotal | Checkins | Level, facts: FactView) -> tuple[str, int]:
    """The fact a counting leaf compares to `min`, and the name it is reported under."""
    if isinstance(condition, LoginDays):
        name = "consecutive_login_days" if condition.consecutive else "login_days"
        return name, facts.login_days(consecutive=condition.consecutive)
    if isinstance(condition, PurchaseTotal):
        name = f"purchase_total:{condition.currency}" if condition.currency else "purchase_total"
        return name, facts.purchase_total(condition.currency)
    if isinstance(condition, Invites):
        return "invites", facts.invites()
    if isinstance(condition, Checkins):
        return "checkins", facts.checkins()
    return "level", facts.level()


def _leaf(condition: Leaf, seen: int | bool, passed: bool) -> LeafCheck:
    required = condition.model_dump(by_alias=True, exclude_none=True)
    return LeafCheck(kind=condition.key, required=required, seen=seen, passed=passed)
