"""`seed-demo --events M`: a catalogue of rewards, M promotions of every shape, and players' reward requests with
the operator's decisions - the part of the demo that makes a load tester's data set.

Why these shapes: listings filter by status and period, and requests need promotions that are ACTIVE and running,
so the promotions spread over past, current, open-ended and future periods, ACTIVE, INACTIVE and staged (created
INACTIVE, rewards attached, then activated), with rewards of the four types under conditions, `autoResolve`, stock
and `perUserLimit`. Most current ones are ACTIVE, so a load driver finds plenty to request.

Why requests are sent as the player: `RequestReward` takes its user from the caller, as the gateway passes it;
auto-resolved requests are decided in the same commit, the others stay PENDING until the operator decides most of
them (`DecideRewardRequest`), leaving some for a queue to look at. Every draw comes from a generator of its own
(seed and what it makes), so the plan is the same on every run and a second run repeats the same command ids.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from domain.activity_facts import UserFacts

SHAPES: Final = {"current": 45, "open-ended": 20, "past": 20, "future": 15}
THEMES: Final = ["Login", "Weekend", "Shop", "Quest", "Invite", "Level-up", "Check-in", "Season", "Streak", "Guild"]
KINDS: Final = ["point", "item", "coupon", "badge"]
DECIDED_SHARE: Final = 0.75  # of PENDING requests, the operator decides these; the rest wait in the queue


def rewards_catalogue(day: Callable[[int], str], promotions: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """One reward per ten promotions (at least four, at most 200; none without promotions), the four types in turn:
    key -> (type, body)."""
    offered: dict[str, tuple[str, dict[str, Any]]] = {}
    for j in range(max(4, min(200, promotions // 10)) if promotions else 0):
        kind, rng = KINDS[j % 4], random.Random(f"reward:{j}")
        if kind == "point":
            points = rng.choice([10, 50, 100, 250, 1000])
            fields: dict[str, Any] = {"name": f"{points} Points #{j}", "points": points}
        elif kind == "item":
            fields = {"name": f"Item pack #{j}", "itemId": f"item-{j}", "quantity": rng.randint(1, 5)}
        elif kind == "coupon":
            fields = {"name": f"{rng.choice([5, 10, 20])}% coupon #{j}", "couponCode": f"SEED{j:03d}",
                      "expiry": day(rng.randint(120, 365))}
        else:
            fields = {"name": f"Badge #{j}", "badgeId": f"badge-{j}"}
        offered[f"scale-{j}"] = (kind, fields)
    return offered


def condition(rng: random.Random) -> dict[str, Any] | None:
    """A reward's condition in the condition language, over the kinds of activity the players report."""
    leaves: list[Callable[[], dict[str, Any]]] = [
        lambda: {"login_days": {"min": rng.randint(1, 5), **({"consecutive": True} if rng.random() < 0.3 else {})}},
        lambda: {"checkins": {"min": rng.randint(1, 6)}},
        lambda: {"invites": {"min": rng.randint(1, 3)}},
        lambda: {"purchase_total": {"min": rng.choice([1000, 3000, 5000, 10000]), "currency": "KRW"}},
        lambda: {"level": {"min": rng.randint(3, 20)}},
        lambda: {"quest_completed": {"questId": rng.choice(["tutorial", "dragon-slayer"])}},
    ]
    draw = rng.random()
    if draw < 0.3:
        return None
    if draw < 0.85:
        return rng.choice(leaves)()
    return {rng.choice(["all", "any"]): [rng.choice(leaves)(), rng.choice(leaves)()]}


@dataclass(frozen=True)
class PlannedPromotion:
    """A promotion to create: `activate` after the rewards are attached (staged); `requestable` when it ends up
    ACTIVE with today inside its period."""

    key: str
    body: dict[str, Any]
    offers: list[dict[str, Any]]
    activate: bool
    requestable: bool


def promotion(day: Callable[[int], str], number: int, seed: int, rewards: list[str]) -> PlannedPromotion:
    rng = random.Random(f"{seed}:promotion:{number}")
    shape = rng.choices(list(SHAPES), weights=list(SHAPES.values()))[0]
    status, activate = "ACTIVE", False
    if shape == "current":
        start, end = -rng.randint(1, 30), rng.randint(3, 60)
    elif shape == "open-ended":
        start, end = -rng.randint(1, 90), None
    elif shape == "past":
        end = -rng.randint(1, 30)
        start = end - rng.randint(7, 45)
    else:
        start = rng.randint(3, 60)
        end = None if rng.random() < 0.2 else start + rng.randint(7, 45)
    draw = rng.random()
    if shape in ("current", "open-ended"):
        status, activate = ("ACTIVE", False) if draw < 0.8 else ("INACTIVE", draw < 0.92)
    elif draw < (0.3 if shape == "past" else 0.7):
        status = "INACTIVE"
    body: dict[str, Any] = {
        "name": f"{rng.choice(THEMES)} {shape} promotion #{number}", "periodStart": day(start),
        "periodEnd": day(end) if end is not None else None, "status": status,
        "description": f"Seeded promotion {number}: {shape}, {status.lower()}{' (staged)' if activate else ''}."}
    if rng.random() < 0.1:
        body["rewardCondition"] = {"login_days": {"min": 1}}
    offers = []
    for key in rng.sample(rewards, rng.choices([1, 2, 3], weights=[50, 35, 15])[0]):
        terms: dict[str, Any] = {"reward": key, "condition": condition(rng), "autoResolve": rng.random() < 0.55}
        if rng.random() < 0.4:
            terms["stock"] = rng.randint(50, 1000)
        if rng.random() < 0.2:
            terms["perUserLimit"] = rng.randint(2, 3)
        offers.append(terms)
    requestable = shape in ("current", "open-ended") and (status == "ACTIVE" or activate)
    return PlannedPromotion(f"promotion:{number}", body, offers, activate, requestable)


@dataclass(frozen=True)
class PlannedRequest:
    key: str
    player: int
    promotion: str  # a PlannedPromotion key
    reward: str  # a catalogue key


def requests_of(seed: int, player: int, requestable: list[PlannedPromotion]) -> list[PlannedRequest]:
    """A player's requests: none to three, each for a different reward of a running promotion."""
    rng = random.Random(f"{seed}:requests:{player}")
    count = rng.choices([0, 1, 2, 3], weights=[40, 30, 20, 10])[0]
    picked: set[tuple[str, str]] = set()
    for _ in range(count if requestable else 0):
        chosen = rng.choice(requestable)
        picked.add((chosen.key, rng.choice(chosen.offers)["reward"]))
    return [PlannedRequest(f"request:{player}:{p}:{r}", player, p, r) for p, r in sorted(picked)]


def decision(seed: int, answer: dict[str, Any]) -> dict[str, Any] | None:
    """The operator's decision on a PENDING request (None: left waiting): eligible ones mostly approved."""
    rng = random.Random(f"{seed}:decide:{answer['id']}")
    if answer["status"] != "PENDING" or rng.random() >= DECIDED_SHARE:
        return None
    if answer["evaluation"].get("eligible") and rng.random() < 0.9:
        return {"requestId": answer["id"], "status": "APPROVED"}
    return {"requestId": answer["id"], "status": "REJECTED", "reason": "not eligible for this reward"}


class SeededFacts:
    """Players' facts folded from the activities this run recorded (commands/facts.py `FactsSource`).

    Why not the store: the in-process default (`ScanFacts`) reads the whole store for every request, O(store) each;
    the seeder has just written every demo player's activity and folds it the way `user_facts` does. A player with
    activity from elsewhere would be judged on the demo's part only: acceptable for demo accounts."""

    def __init__(self, folds: dict[str, UserFacts]) -> None:
        self.folds = folds

    async def facts_of(self, user_id: str, min_position: int | None) -> UserFacts:
        return self.folds.get(user_id) or UserFacts(user_id)
