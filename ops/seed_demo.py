"""`reward-ledger seed-demo [--users N] [--seed S]`: a realistic demo data set, written the way live traffic is.

Why commands, not documents: every record is made by dispatching the platform's own commands in this process,
straight against the event store, as `admin create` does (validation, password hashing, email and activity claims,
events). The projectors then fold the demo exactly like live traffic, whether `reward-ledger run` is up (found through
DATA_DIR/run.json) or the *_URL servers are used; only the store has to be reachable.

Why a second run adds nothing: every command id derives from the seed and what the command makes, and a command's
commit id is its command id (`CommandContext.save`), so a repeated command finds its commit stored and appends nothing.
A command that decides before it appends (attaching a reward that is already attached) answers `conflict`, read here
as "already done". An email someone already holds is left alone (no password or role change), whoever registered it.

Why times follow today: the store refuses activities from the future and coupons that expired, so the calendar is laid
out around today's UTC midnight; the same seed on the same day gives the same data. Each player draws from a random
generator of its own (seed and number), so a larger `--users` keeps the first players' histories as they were.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter
from collections.abc import Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store.base import EventStore
from commands.store.mongo import MongoEventStore
from domain.activity_facts import Activity, UserFacts
from domain.clock import iso
from domain.evaluation import holds
from domain.stored_condition import read_condition
from domain.user import email_claim

ACTOR: Final = "cli:seed-demo"
DEMO_PASSWORD: Final = "demo-pass-1"
STAFF: Final = {"admin@demo.test": ["ADMIN", "USER"], "operator@demo.test": ["OPERATOR", "USER"],
                "auditor@demo.test": ["AUDITOR", "USER"]}
RICH_CONDITION: Final = {"all": [{"login_days": {"min": 3}}, {"any": [
    {"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}
CONCURRENCY: Final = 32  # commands in flight: enough for the store's group commit, few enough for two cores


class SeedError(Exception):
    """A demo command was refused for a reason other than "already there": the data set would be incomplete."""


class Seeder:
    """Sends the demo commands; `counts` tallies the events set up, stored now or by an earlier run."""

    def __init__(self, store: EventStore, seed: int, today: datetime) -> None:
        self.store, self.seed, self.today = store, seed, today
        self.counts: Counter[str] = Counter()
        self.left_alone: list[str] = []
        self.operator = ACTOR

    def day(self, offset: int, hour: int = 0, minute: int = 0) -> str:
        return iso(self.today + timedelta(days=offset, hours=hour, minutes=minute)) or ""

    async def send(self, name: str, payload: dict[str, Any], key: str, *, actor: str = ACTOR, roles: str = "",
                   done_if: str | None = None) -> dict[str, Any] | None:
        """Dispatch one command as the gateway would (actor headers included); None when it answered `done_if`."""
        caller = Caller(f"seed-demo:{self.seed}:{key}", Actor(actor, frozenset(filter(None, roles.split(",")))),
                        correlation_id=f"seed-demo:{self.seed}")
        reply = await dispatch(name, payload, caller, self.store)
        if reply.ok:
            return reply.result or {}
        error = reply.error
        if error is not None and error.code == done_if:
            return None
        detail = "; ".join([error.detail, *(f"{e['path']}: {e['message']}" for e in error.errors)]) if error else ""
        raise SeedError(f"{name} ({key}) refused: {detail or 'failed'}")

    async def account(self, email: str, roles: list[str]) -> str:
        """The id of the user holding `email`: registered (then given `roles`) unless someone holds it already."""
        registered = await self.send("RegisterUser", {"email": email, "password": DEMO_PASSWORD}, f"user:{email}",
                                     done_if="conflict")
        if registered is None:  # the email was taken by someone else (a real user, or another seed): leave it alone
            stream = await self.store.stream_of_claim(email_claim(email)) or ""
            self.left_alone.append(email)
            return stream.split("-", 1)[1]
        if roles != ["USER"]:
            await self.send("ChangeUserRoles", {"userId": registered["id"], "roles": roles}, f"roles:{email}",
                            roles="ADMIN")
        return str(registered["id"])

    async def reward(self, key: str, kind: str, fields: dict[str, Any]) -> str:
        created = await self.send("CreateReward", {"rewardType": kind, "fields": fields}, f"reward:{key}",
                                  actor=self.operator, roles="OPERATOR,USER")
        return str((created or {})["id"])

    async def event(self, key: str, body: dict[str, Any], offers: list[dict[str, Any]], rewards: dict[str, str],
                    activate: bool = False) -> str:
        """Create the event, attach its rewards (an operator's set-up), then activate it if it was staged."""
        operator = {"actor": self.operator, "roles": "OPERATOR,USER"}
        event_id = str((await self.send("CreatePromotion", body, f"event:{key}", **operator) or {})["id"])
        for offer in offers:
            terms = {k: v for k, v in offer.items() if k != "reward"}
            await self.send("AttachReward", {"eventId": event_id, "rewardId": rewards[offer["reward"]], **terms},
                            f"attach:{key}:{offer['reward']}", done_if="conflict", **operator)
        if activate:
            await self.send("ActivatePromotion", {"eventId": event_id}, f"activate:{key}", **operator)
        self.counts["events"] += 1
        self.counts["event rewards"] += len(offers)
        return event_id


def catalogue(s: Seeder) -> dict[str, tuple[str, dict[str, Any]]]:
    """One reward of each type, and a second point reward: key -> (type, body of `POST /rewards/{type}`)."""
    return {
        "points-100": ("point", {"name": "100 Points", "points": 100}),
        "points-500": ("point", {"name": "500 Points", "points": 500}),
        "potion": ("item", {"name": "Health Potion x3", "itemId": "potion-hp", "quantity": 3}),
        "coupon": ("coupon", {"name": "10% off in the shop", "couponCode": "DEMO10", "expiry": s.day(90)}),
        "badge": ("badge", {"name": "Streak Master", "badgeId": "streak-master"}),
    }


def events(s: Seeder) -> list[tuple[str, dict[str, Any], list[dict[str, Any]], bool]]:
    """The four events: (key, body of `POST /events`, attached rewards, activate after set-up)."""
    streak = {"login_days": {"min": 3, "consecutive": True}}
    return [
        ("daily-login", {"name": "Daily Login Streak", "periodStart": s.day(-14),
                         "description": "Log in three days running for points; a whole week earns the badge."},
         [{"reward": "points-100", "condition": streak, "autoResolve": True},
          {"reward": "badge", "condition": {"login_days": {"min": 7, "consecutive": True}}}], False),
        ("autumn", {"name": "Autumn Festival", "periodStart": s.day(-60), "periodEnd": s.day(-30),
                    "description": "Check in five times during the festival for potions."},
         [{"reward": "potion", "condition": {"checkins": {"min": 5}}, "autoResolve": True, "stock": 200}], False),
        ("winter", {"name": "Winter Launch", "periodStart": s.day(14), "periodEnd": s.day(45), "status": "INACTIVE",
                    "description": "Prepared for the next season; not open yet."},
         [{"reward": "coupon", "stock": 1000}], False),
        ("spend-share", {"name": "Spend & Share", "periodStart": s.day(-10), "periodEnd": s.day(20),
                         "status": "INACTIVE", "rewardCondition": RICH_CONDITION,
                         "description": "Three login days, and two invites or 5,000 KRW of purchases."},
         [{"reward": "points-500", "autoResolve": True},
          {"reward": "coupon", "condition": {"level": {"min": 10}}, "stock": 25},
          {"reward": "potion", "condition": {"quest_completed": {"questId": "dragon-slayer"}}, "autoResolve": True,
           "stock": 50, "perUserLimit": 2}], True),
    ]


def player_activities(s: Seeder, number: int, user_id: str) -> list[dict[str, Any]]:
    """One player's history (days ago >= 1, so never in the future): engaged players log in on consecutive days,
    invite, buy and climb; casual ones drop by now and then; dormant ones hardly show up."""
    rng = random.Random(f"{s.seed}:{number}")
    profile = rng.choices(["engaged", "casual", "dormant"], weights=[35, 40, 25])[0]
    facts: list[tuple[str, int, dict[str, Any]]] = []  # (kind, days ago, extra fields)
    if profile == "engaged":
        last = rng.randint(1, 3)
        facts += [("login", d, {}) for d in range(last, last + rng.randint(3, 11))]
        facts += [("invite", rng.randint(1, 9), {}) for _ in range(rng.randint(0, 4))]
        facts += [("purchase", rng.randint(1, 9), {"amount": rng.choice([1100, 3300, 4900, 5500, 9900]),
                                                    "currency": "KRW"}) for _ in range(rng.randint(0, 3))]
        facts += [("checkin", d, {}) for d in rng.sample(range(1, 14), rng.randint(2, 8))]
        facts.append(("quest_completed", rng.randint(1, 9), {"questId": rng.choice(["dragon-slayer", "tutorial"])}))
        facts += [("level", 12, {"amount": rng.randint(4, 9)}), ("level", 2, {"amount": rng.randint(10, 30)})]
        if rng.random() < 0.4:  # took part in the past festival too
            facts += [("checkin", d, {}) for d in rng.sample(range(31, 60), rng.randint(4, 7))]
    elif profile == "casual":
        facts += [("login", d, {}) for d in rng.sample(range(1, 14), rng.randint(2, 5))]
        facts += [("invite", rng.randint(1, 9), {}) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.5:
            facts.append(("purchase", rng.randint(1, 9), {"amount": rng.choice([1100, 3300, 5500]), "currency": "KRW"}))
        facts += [("checkin", rng.randint(1, 13), {}) for _ in range(rng.randint(0, 2))]
        facts.append(("level", rng.randint(2, 13), {"amount": rng.randint(2, 9)}))
    else:
        facts += [("login", rng.randint(1, 40), {}) for _ in range(rng.randint(0, 1))]
        facts.append(("level", rng.randint(20, 40), {"amount": rng.randint(1, 3)}))
    return [{"id": f"demo-{s.seed}-p{number:03d}-{n:02d}", "userId": user_id, "kind": kind,
             "occurredAt": s.day(-ago, rng.randint(7, 22), rng.randint(0, 59)), **extra}
            for n, (kind, ago, extra) in enumerate(facts)]


async def bounded(jobs: Iterable[Coroutine[Any, Any, Any]], limit: int = CONCURRENCY) -> list[Any]:
    """Run jobs concurrently, at most `limit` at once, as concurrent appends share the store's group commits; the
    first failure cancels the rest and is raised as itself."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Coroutine[Any, Any, Any]) -> Any:
        async with gate:
            return await job

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(job)) for job in jobs]
    except BaseExceptionGroup as exc:
        raise exc.exceptions[0] from None
    return [task.result() for task in tasks]


def eligible(s: Seeder, activities: list[dict[str, Any]]) -> int:
    """Players who meet Spend & Share's condition, folded here the way `user_facts` folds them (for the summary)."""
    folds: dict[str, UserFacts] = {}
    for raw in activities:
        activity = Activity.model_validate(raw)
        folds.setdefault(activity.user_id, UserFacts(activity.user_id)).apply(activity)
    condition = read_condition(RICH_CONDITION, "/rewardCondition")
    start, end = s.today - timedelta(days=10), s.today + timedelta(days=20)
    return sum(holds(condition, facts.view(start, end)) for facts in folds.values())


async def seed(store: EventStore, users: int, seed_value: int) -> list[str]:
    """Write the data set; returns the summary lines."""
    started, head = asyncio.get_running_loop().time(), await store.head()
    s = Seeder(store, seed_value, datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
    staff = {email: await s.account(email, roles) for email, roles in STAFF.items()}
    s.operator = staff["operator@demo.test"]
    players = await bounded(s.account(f"player{n:03d}@demo.test", ["USER"]) for n in range(1, users + 1))
    offered = catalogue(s)
    ids = await bounded(s.reward(key, kind, fields) for key, (kind, fields) in offered.items())
    rewards = dict(zip(offered, ids, strict=True))
    for key, body, offers, activate in events(s):
        await s.event(key, body, offers, rewards, activate)
    activities = [a for n, user_id in enumerate(players, 1) for a in player_activities(s, n, user_id)]
    recorded = await bounded(s.send("RecordActivity", {"activity": a}, f"activity:{a['id']}", roles="SERVICE")
                             for a in activities)
    position, took = await store.head(), asyncio.get_running_loop().time() - started
    def tally(values: Iterable[str]) -> str:
        return ", ".join(f"{n} {value}" for value, n in Counter(values).items())

    lines = [f"seed-demo (seed {seed_value}): {len(STAFF)} staff, {users} players, {len(ids)} rewards "
             f"({tally(kind for kind, _ in offered.values())}), {s.counts['events']} events with "
             f"{s.counts['event rewards']} event rewards",
             f"{len(activities)} activities ({tally(str(a['kind']) for a in activities)}), "
             f"{sum(not (r or {}).get('duplicate') for r in recorded)} of them new; Spend & Share's condition is met "
             f"by {eligible(s, activities)} of {users} players",
             f"store position {head} -> {position} ({position - head} new events) in {took:.1f}s",
             f"demo logins, password {DEMO_PASSWORD}: " + ", ".join(
                 f"{email} ({roles[0]})" for email, roles in STAFF.items()) + f", player001..{users:03d}@demo.test"]
    if s.left_alone:
        lines.append(f"already registered, left alone: {', '.join(s.left_alone)}")
    return lines


async def seed_demo_main(store: MongoEventStore, users: int, seed_value: int) -> int:
    """Exit 0 with a summary; 1 if a command was refused (an unreachable store is reported by ops/cli.py, exit 2).
    `store` comes from ops/bootstrap.py `in_process`."""
    if users < 1:
        print("reward-ledger seed-demo: --users must be at least 1", file=sys.stderr)
        return 2
    try:
        await store.ensure_indexes()
        lines = await seed(store, users, seed_value)
    except SeedError as exc:
        print(f"reward-ledger seed-demo: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
