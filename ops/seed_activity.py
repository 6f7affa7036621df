"""Players' activity for `seed-demo`: per-player profiles on a daily and weekly rhythm.

Why a rhythm: a load test or a dashboard over the demo should see what live traffic looks like - more in the evening,
more on weekends - so hours are drawn from an evening-heavy curve and days from a weekend-heavy one. The last two
weeks follow each profile's habits (streaks, invites, purchases, the past festival's check-ins); `days` beyond that
add older, sparser history at the profile's daily rate, which is how a large `--days` grows the data set.

Each player draws from a random generator of its own (seed and number), so a larger `--users` keeps the first
players' histories as they were. Days are counted back from today's UTC midnight and are >= 1: never in the future.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

from domain.clock import iso

RECENT_DAYS: Final = 14  # the window of the profiles' habits; `--days` adds history before it
#: Relative weight of each hour 7..23 (UTC): a quiet morning, a lunch bump, the evening peak.
HOUR_WEIGHTS: Final = [2, 3, 3, 3, 4, 5, 4, 4, 4, 5, 6, 8, 11, 14, 15, 12, 7]
WEEKEND_WEIGHT: Final = 1.8  # Saturday and Sunday against a weekday
#: Chance that a player of the profile shows up on a day of older history (before the recent window), on a weekday.
DAILY_RATE: Final = {"engaged": 0.45, "casual": 0.12, "dormant": 0.02}


class Calendar:
    """Days counted back from `today` (a UTC midnight), weighted by weekday."""

    def __init__(self, today: datetime) -> None:
        self.today = today

    def weight(self, ago: int) -> float:
        return WEEKEND_WEIGHT if (self.today - timedelta(days=ago)).weekday() >= 5 else 1.0

    def days(self, rng: random.Random, low: int, high: int, k: int) -> list[int]:
        """`k` distinct days ago in [low, high), weekends more likely."""
        pool = list(range(low, high))
        picked: list[int] = []
        for _ in range(min(k, len(pool))):
            day = rng.choices(pool, weights=[self.weight(d) for d in pool])[0]
            pool.remove(day)
            picked.append(day)
        return picked

    def day(self, rng: random.Random, low: int, high: int) -> int:
        return self.days(rng, low, high, 1)[0]

    def at(self, ago: int, rng: random.Random) -> str:
        hour = rng.choices(range(7, 24), weights=HOUR_WEIGHTS)[0]
        return iso(self.today - timedelta(days=ago) + timedelta(hours=hour, minutes=rng.randint(0, 59))) or ""


def player_activities(seed: int, today: datetime, number: int, user_id: str,
                      days: int = RECENT_DAYS) -> list[dict[str, Any]]:
    """One player's history: engaged players log in on consecutive days, invite, buy and climb; casual ones drop by
    now and then; dormant ones hardly show up."""
    rng, cal = random.Random(f"{seed}:{number}"), Calendar(today)
    profile = rng.choices(["engaged", "casual", "dormant"], weights=[35, 40, 25])[0]
    facts: list[tuple[str, int, dict[str, Any]]] = []  # (kind, days ago, extra fields)
    if profile == "engaged":
        last = rng.randint(1, 3)
        facts += [("login", d, {}) for d in range(last, last + rng.randint(3, 11))]
        facts += [("invite", cal.day(rng, 1, 10), {}) for _ in range(rng.randint(0, 4))]
        facts += [("purchase", cal.day(rng, 1, 10), {"amount": rng.choice([1100, 3300, 4900, 5500, 9900]),
                                                     "currency": "KRW"}) for _ in range(rng.randint(0, 3))]
        facts += [("checkin", d, {}) for d in cal.days(rng, 1, 14, rng.randint(2, 8))]
        facts.append(("quest_completed", rng.randint(1, 9), {"questId": rng.choice(["dragon-slayer", "tutorial"])}))
        facts += [("level", 12, {"amount": rng.randint(4, 9)}), ("level", 2, {"amount": rng.randint(10, 30)})]
        if rng.random() < 0.4:  # took part in the past festival too
            facts += [("checkin", d, {}) for d in cal.days(rng, 31, 60, rng.randint(4, 7))]
    elif profile == "casual":
        facts += [("login", d, {}) for d in cal.days(rng, 1, 14, rng.randint(2, 5))]
        facts += [("invite", cal.day(rng, 1, 10), {}) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.5:
            facts.append(("purchase", cal.day(rng, 1, 10), {"amount": rng.choice([1100, 3300, 5500]),
                                                            "currency": "KRW"}))
        facts += [("checkin", cal.day(rng, 1, 14), {}) for _ in range(rng.randint(0, 2))]
        facts.append(("level", rng.randint(2, 13), {"amount": rng.randint(2, 9)}))
    else:
        facts += [("login", rng.randint(1, 40), {}) for _ in range(rng.randint(0, 1))]
        facts.append(("level", rng.randint(20, 40), {"amount": rng.randint(1, 3)}))
    facts += older_history(rng, cal, profile, days)
    return [{"id": f"demo-{seed}-p{number:03d}-{n:02d}", "userId": user_id, "kind": kind,
             "occurredAt": cal.at(ago, rng), **extra}
            for n, (kind, ago, extra) in enumerate(facts)]


def older_history(rng: random.Random, cal: Calendar, profile: str,
                  days: int) -> list[tuple[str, int, dict[str, Any]]]:
    """Days RECENT_DAYS+1..days ago: on each day the player shows up (the profile's rate, more on weekends), a login,
    often a check-in, now and then a purchase."""
    facts: list[tuple[str, int, dict[str, Any]]] = []
    for ago in range(RECENT_DAYS + 1, days + 1):
        if rng.random() >= DAILY_RATE[profile] * cal.weight(ago):
            continue
        facts.append(("login", ago, {}))
        if rng.random() < 0.5:
            facts.append(("checkin", ago, {}))
        if rng.random() < 0.08:
            facts.append(("purchase", ago, {"amount": rng.choice([1100, 3300, 5500]), "currency": "KRW"}))
    return facts
