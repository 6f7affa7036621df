"""`reward-ledger seed-demo [--users N] [--events M] [--days D] [--seed S]`: a realistic demo data set, written the
way live traffic is: staff, players, rewards, the four hand-made events, M more promotions (ops/seed_scale.py),
players' activity over D days (ops/seed_activity.py), and reward requests with the operator's decisions.

Why commands, not documents: every record is made by dispatching the platform's own commands in this process,
straight against the event store, as `admin create` does (validation, password hashing, email and activity claims,
events). The projectors then fold the demo exactly like live traffic, whether `reward-ledger run` is up (found through
DATA_DIR/run.json) or the *_URL servers are used; only the store has to be reachable.

Why a second run adds nothing: every command id derives from the seed and what the command makes, and a command's
commit id is its command id (`CommandContext.save`), so a repeated command finds its commit stored and appends nothing.
A command that decides before it appends (attaching a reward that is already attached) answers `conflict`, read here
as "already done". An email someone already holds is left alone (no password or role change), whoever registered it.

Why times follow today: the store refuses activities from the future and coupons that expired, so the calendar is laid
out around today's UTC midnight; the same seed on the same day gives the same data.

Why it is fast enough for 10,000 players and 100,000 events in minutes: commands run concurrently (the store groups
concurrent appends into one `insert_many`), the demo players share one argon2 hash of their shared, published
password (commands/passwords.py `reusing_hash`), and reward requests read the facts this run folded (seed_scale.py
`SeededFacts`) instead of scanning the store per request. Progress goes to stderr (ops/seed_progress.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import Coroutine, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from base.settings import demo_logins_file
from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.facts import FactsSource
from commands.passwords import reusing_hash
from commands.store.base import EventStore
from commands.store.mongo import MongoEventStore
from domain.activity_facts import Activity, UserFacts
from domain.clock import iso
from domain.evaluation import holds
from domain.stored_condition import read_condition
from domain.user import email_claim
from ops.seed_activity import RECENT_DAYS, player_activities
from ops.seed_progress import Progress
from ops.seed_scale import (
    PlannedRequest,
    SeededFacts,
    decision,
    promotion,
    requests_of,
    rewards_catalogue,
)

ACTOR: Final = "cli:seed-demo"
DEMO_PASSWORD: Final = "demo-pass-1"
STAFF: Final = {"admin@demo.test": ["ADMIN", "USER"], "operator@demo.test": ["OPERATOR", "USER"],
                "auditor@demo.test": ["AUDITOR", "USER"]}
RICH_CONDITION: Final = {"all": [{"login_days": {"min": 3}}, {"any": [
    {"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]}]}
CONCURRENCY: Final = 64  # commands in flight: enough for the store's group commit, few enough for two cores
GROUPS: Final = 8  # promotions whose requests are in flight at once (a handful of requests each)


class SeedError(Exception):
    """A demo command was refused for a reason other than "already there": the data set would be incomplete."""


class Seeder:
    """Sends the demo commands; `counts` tallies the events set up, stored now or by an earlier run."""

    def __init__(self, store: EventStore, seed: int, today: datetime, progress: Progress | None = None) -> None:
        self.store, self.seed, self.today, self.progress = store, seed, today, progress
        self.counts: Counter[str] = Counter()
        self.left_alone: list[str] = []
        self.operator = ACTOR
        self.facts: FactsSource | None = None  # where RequestReward reads players' facts (set once they are folded)

    def day(self, offset: int, hour: int = 0, minute: int = 0) -> str:
        return iso(self.today + timedelta(days=offset, hours=hour, minutes=minute)) or ""

    async def send(self, name: str, payload: dict[str, Any], key: str, *, actor: str = ACTOR, roles: str = "",
                   done_if: str | None = None) -> dict[str, Any] | None:
        """Dispatch one command as the gateway would (actor headers included); None when it answered `done_if`."""
        caller = Caller(f"seed-demo:{self.seed}:{key}", Actor(actor, frozenset(filter(None, roles.split(",")))),
                        correlation_id=f"seed-demo:{self.seed}")
        reply = await dispatch(name, payload, caller, self.store, facts=self.facts)
        if self.progress:
            self.progress.advance()
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

    async def requests_on(self, promotion_id: str, planned: list[PlannedRequest], players: list[str],
                          rewards: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
        """One promotion's requests, each sent as its player (the caller, as the gateway passes it), then the
        operator's decisions on those left PENDING: (the answers, how many were decided). One promotion at a time,
        so its desk decides the requests in batches on one cached copy, read from the store once."""
        answers = await asyncio.gather(*(self.send(
            "RequestReward", {"eventId": promotion_id, "rewardId": rewards[r.reward]}, r.key,
            actor=players[r.player - 1], roles="USER") for r in planned))
        decisions = [d for a in answers if a and (d := decision(self.seed, a))]
        if self.progress:
            self.progress.plan("requests and decisions", len(decisions))
        decided = await asyncio.gather(*(self.send(
            "DecideRewardRequest", d, f"decide:{d['requestId']}", actor=self.operator, roles="OPERATOR,USER",
            done_if="conflict") for d in decisions))
        return [a for a in answers if a], sum(d is not None for d in decided)


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


async def bounded(jobs: Iterable[Coroutine[Any, Any, Any]], limit: int = CONCURRENCY, *,
                  keep: bool = True) -> list[Any]:
    """Run jobs concurrently, at most `limit` at once, as concurrent appends share the store's group commits; results
    in the jobs' order. `limit` workers pull from `jobs`, so a generator makes each coroutine only when a worker is
    free (a million activities are never a million coroutines at once). The first failure stops the rest and is
    raised as itself. `keep=False` drops the results (a million activities' replies are not worth holding)."""
    results: dict[int, Any] = {}
    queue = enumerate(jobs)

    async def worker() -> None:
        for n, job in queue:
            result = await job
            if keep:
                results[n] = result

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(limit):
                group.create_task(worker())
    except BaseExceptionGroup as exc:
        for job in (job for _, job in queue):
            job.close()  # never awaited: closed so Python does not warn about it
        raise exc.exceptions[0] from None
    return [results[n] for n in range(len(results))]


def folded(activities: Iterable[dict[str, Any]]) -> dict[str, UserFacts]:
    """Each player's facts from the demo's activities, folded the way `user_facts` folds them."""
    folds: dict[str, UserFacts] = {}
    for raw in activities:
        activity = Activity.model_validate(raw)
        folds.setdefault(activity.user_id, UserFacts(activity.user_id)).apply(activity)
    return folds


def eligible(s: Seeder, folds: dict[str, UserFacts]) -> int:
    """Players who meet Spend & Share's condition (for the summary)."""
    condition = read_condition(RICH_CONDITION, "/rewardCondition")
    start, end = s.today - timedelta(days=10), s.today + timedelta(days=20)
    return sum(holds(condition, facts.view(start, end)) for facts in folds.values())


async def seed(store: EventStore, users: int, seed_value: int, promotions: int = 0, days: int = RECENT_DAYS,
               show_progress: bool = True) -> list[str]:
    """Write the data set; returns the summary lines.

    The order is for the stand-in, where reading a stream scans every commit (~5 us each): rewards and promotions
    first, while the store is small (an attachment reads its reward, a new promotion its stream); then players, whose
    activity reports need no read (registration remembers them); then the requests, one promotion at a time (the desk
    caches 512 promotions, so a random order would read a promotion's stream again and again); the activities last,
    the bulk. Requests judge the facts of the activities planned here, which carry earlier dates anyway."""
    head = await store.head()
    progress = Progress(store, head, enabled=show_progress)
    s = Seeder(store, seed_value, datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0), progress)
    offered = catalogue(s) | rewards_catalogue(s.day, promotions)
    planned = [promotion(s.day, n, seed_value, [k for k in offered if k.startswith("scale-")])
               for n in range(1, promotions + 1)]
    requestable = [p for p in planned if p.requestable]
    wanted = [r for n in range(1, users + 1) for r in requests_of(seed_value, n, requestable)]
    async with progress.running():
        progress.plan("staff", 2 * len(STAFF))
        staff = {email: await s.account(email, roles) for email, roles in STAFF.items()}
        s.operator = staff["operator@demo.test"]
        progress.plan("rewards and events", len(offered) + sum(1 + len(o) + a for _, _, o, a in events(s)) + sum(
            1 + len(p.offers) + p.activate for p in planned))
        ids = await bounded(s.reward(key, kind, fields) for key, (kind, fields) in offered.items())
        rewards = dict(zip(offered, ids, strict=True))
        for key, body, offers, activate in events(s):
            await s.event(key, body, offers, rewards, activate)
        promotion_ids = dict(zip([p.key for p in planned], await bounded(
            s.event(p.key, p.body, p.offers, rewards, p.activate) for p in planned), strict=True))
        progress.plan("players", users)
        with reusing_hash(DEMO_PASSWORD):
            players = await bounded(s.account(f"player{n:03d}@demo.test", ["USER"]) for n in range(1, users + 1))
        def activities() -> Iterator[dict[str, Any]]:  # drawn again on each pass: never all held at once
            for n, user_id in enumerate(players, 1):
                yield from player_activities(seed_value, s.today, n, user_id, days)

        kinds: Counter[str] = Counter(str(a["kind"]) for a in activities())
        folds = folded(activities())
        s.facts = SeededFacts(folds)
        progress.plan("requests and decisions", len(wanted))
        by_promotion: dict[str, list[PlannedRequest]] = {}
        for r in wanted:
            by_promotion.setdefault(r.promotion, []).append(r)
        settled = await bounded((s.requests_on(promotion_ids[key], group, players, rewards)
                                 for key, group in by_promotion.items()), limit=GROUPS)
        answers = [a for answered, _ in settled for a in answered]
        decided = sum(n for _, n in settled)
        progress.plan("activities", kinds.total())
        new = Counter[bool]()

        async def record(activity: dict[str, Any]) -> None:
            reply = await s.send("RecordActivity", {"activity": activity}, f"activity:{activity['id']}",
                                 roles="SERVICE")
            new[not (reply or {}).get("duplicate")] += 1

        await bounded((record(a) for a in activities()), keep=False)
    position, took = await store.head(), progress.elapsed
    commands = progress.done

    def tally(values: Iterable[str]) -> str:
        return ", ".join(f"{n} {value}" for value, n in Counter(values).items())

    lines = [f"seed-demo (seed {seed_value}): {len(STAFF)} staff, {users} players, {len(ids)} rewards "
             f"({tally(kind for kind, _ in offered.values())}), {s.counts['events']} events with "
             f"{s.counts['event rewards']} event rewards",
             f"{kinds.total()} activities over {days} days ({', '.join(f'{n} {k}' for k, n in kinds.items())}), "
             f"{new[True]} of them new; Spend & Share's condition is met "
             f"by {eligible(s, folds)} of {users} players"]
    if wanted:
        lines.append(f"{len(wanted)} reward requests ({tally(str(a['status']) for a in answers)} as answered), "
                     f"{decided} decided by the operator now")
    lines += [f"store position {head} -> {position} ({position - head} new events) in {took:.1f}s: "
              f"{(position - head) / took:,.0f} events/s, {commands / took:,.0f} commands/s ({commands} commands)",
              f"demo logins, password {DEMO_PASSWORD}: " + ", ".join(
                  f"{email} ({roles[0]})" for email, roles in STAFF.items()) + f", player001..{users:03d}@demo.test"]
    if s.left_alone:
        lines.append(f"already registered, left alone: {', '.join(s.left_alone)}")
    return lines


async def seed_demo_main(store: MongoEventStore, users: int, seed_value: int, promotions: int = 0,
                         days: int = RECENT_DAYS) -> int:
    """Exit 0 with a summary; 1 if a command was refused (an unreachable store is reported by ops/cli.py, exit 2).
    `store` comes from ops/bootstrap.py `in_process`."""
    if users < 1 or promotions < 0 or days < RECENT_DAYS:
        print(f"reward-ledger seed-demo: --users must be at least 1, --events at least 0 and --days at least "
              f"{RECENT_DAYS}", file=sys.stderr)
        return 2
    try:
        await store.ensure_indexes()
        lines = await seed(store, users, seed_value, promotions, days, show_progress=True)
    except SeedError as exc:
        print(f"reward-ledger seed-demo: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    remember_logins(users)
    return 0


def remember_logins(users: int) -> None:
    """Leave the demo logins in DATA_DIR (`demo_logins_file`) when the store seeded is `run`'s own (no MONGO_URL), so
    `run`'s banner can show them without a store client of its own (the supervisor imports none: memory, start-up).
    The password is the published demo one; the file is private anyway (umask 077)."""
    if os.environ.get("MONGO_URL"):
        return
    logins = {"password": DEMO_PASSWORD, "staff": {email: roles[0] for email, roles in STAFF.items()},
              "players": f"player001..{users:03d}@demo.test"}
    demo_logins_file().write_text(json.dumps(logins, indent=2))
