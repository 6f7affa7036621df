"""Every dashboard figure equals the one recomputed from the raw events by a plain reference fold (written here,
from the definitions in docs/dashboards.md), whatever the history, however the events were batched, after a crash
that wrote counters but not the state they came from, after a refold of everything, and after a replay."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.store.base import NewCommit
from commands.store.mongo import MongoEventStore
from domain.activity_record import UserActivityRecorded
from domain.events import DomainEvent
from domain.promotion_events import (
    EventActivated,
    EventCreated,
    EventDeactivated,
    RewardAttachedToEvent,
    RewardDetachedFromEvent,
)
from domain.reward import BadgeReward, CouponReward, ItemReward, PointReward, RewardCreated
from domain.reward_request import RewardRequestApproved, RewardRequested, RewardRequestRejected
from domain.user import UserLoggedIn, UserRegistered
from projections import counts, dashboard_views
from projections.dashboard import derive
from projections.dashboard_buckets import DECISION_BINS, Bucket
from projections.pointers import load_pointer
from projections.registry import all_projections
from projections.replay import replay
from tests.integration.test_reward_requests_http import fold_after_crash

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 2, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the 30 active days: Oct 28 .. Nov 26
SPECS = [PointReward(name="p", points=5), ItemReward(name="i", itemId="sword", quantity=1),
         CouponReward(name="c", couponCode="C1", expiry=datetime(2030, 1, 1, tzinfo=UTC)),
         BadgeReward(name="b", badgeId="gold")]
minutes = st.integers(0, 24 * 24 * 60)  # any minute from START to START + 24 days


def at(minute: int) -> datetime:
    return START + timedelta(minutes=minute)


@st.composite
def histories(draw: st.DrawFn) -> list[DomainEvent]:
    """A plausible history: users, promotions toggled only from the other status, rewards attached and detached,
    activities and logins at any time, requests and at most one decision each, after the request."""
    out: list[DomainEvent] = []
    users = [f"u{n}" for n in range(draw(st.integers(1, 4)))]
    for user in users:
        out.append(UserRegistered(user_id=user, email=f"{user}@x.io", password_hash="h", roles=[],
                                  registered_at=at(draw(minutes))))
    statuses: dict[str, str] = {}
    for n in range(draw(st.integers(0, 3))):
        statuses[f"e{n}"] = draw(st.sampled_from(["ACTIVE", "INACTIVE"]))
        out.append(EventCreated(promotion_id=f"e{n}", name="E", description="", period_start=START, period_end=None,
                                status=statuses[f"e{n}"], reward_condition=None, created_by=None,
                                created_at=at(draw(minutes))))
    attached: set[tuple[str, str]] = set()
    requests: dict[str, datetime] = {}
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["toggle", "reward", "attach", "activity", "login", "request", "decide"]))
        if kind == "toggle" and statuses:
            promotion = draw(st.sampled_from(sorted(statuses)))
            active = statuses[promotion] == "ACTIVE"
            statuses[promotion] = "INACTIVE" if active else "ACTIVE"
            out.append((EventDeactivated if active else EventActivated)(promotion_id=promotion, changed_by=None,
                                                                         at=at(draw(minutes))))
        elif kind == "reward":
            out.append(RewardCreated(reward_id=uuid.uuid4().hex, spec=draw(st.sampled_from(SPECS)), created_by=None,
                                     created_at=at(draw(minutes))))
        elif kind == "attach" and statuses:
            pair = (draw(st.sampled_from(sorted(statuses))), draw(st.sampled_from(["r1", "r2"])))
            if pair in attached:
                attached.discard(pair)
                out.append(RewardDetachedFromEvent(promotion_id=pair[0], reward_id=pair[1], detached_by=None,
                                                   at=at(draw(minutes))))
            else:
                attached.add(pair)
                out.append(RewardAttachedToEvent(promotion_id=pair[0], reward_id=pair[1], reward={}, condition=None,
                                                 auto_resolve=False, stock=None, per_user_limit=1, attached_by=None,
                                                 at=at(draw(minutes))))
        elif kind == "activity":
            out.append(UserActivityRecorded(activity_id=uuid.uuid4().hex, user_id=draw(st.sampled_from(users)),
                                            kind="checkin", amount=1, occurred_at=at(draw(minutes)), source="test"))
        elif kind == "login":
            out.append(UserLoggedIn(user_id=draw(st.sampled_from(users)), logged_in_at=at(draw(minutes))))
        elif kind == "request":
            request_id = uuid.uuid4().hex
            requests[request_id] = at(draw(minutes))
            out.append(RewardRequested(request_id=request_id, promotion_id="e0", reward_id="r1", slot=1,
                                       user_id=draw(st.sampled_from(users)), evaluation={},
                                       requested_at=requests[request_id]))
        elif kind == "decide" and requests:
            request_id = draw(st.sampled_from(sorted(requests)))
            requested_at = requests.pop(request_id)
            decided_at = requested_at + timedelta(seconds=draw(st.sampled_from([0, 59, 60, 61, 3600, 90_000,
                                                                                 10 ** 6])))
            decision = RewardRequestApproved if draw(st.booleans()) else RewardRequestRejected
            out.append(decision(request_id=request_id, promotion_id="e0", reward_id="r1", user_id="u0",
                                decided_by=None, reason="no", decided_at=decided_at))
    return out


def bucket_start(t: datetime, bucket: Bucket) -> datetime:
    """Reference bucketing, written out again rather than imported."""
    if bucket is Bucket.HOUR:
        return t.replace(minute=0, second=0, microsecond=0)
    day = datetime(t.year, t.month, t.day, tzinfo=UTC)
    return day if bucket is Bucket.DAY else day - timedelta(days=day.weekday())


def reference(events: list[DomainEvent], first: datetime, last: datetime, bucket: Bucket) -> dict[str, Any]:
    """Every figure by a plain fold over the event list."""
    step = {Bucket.HOUR: timedelta(hours=1), Bucket.DAY: timedelta(days=1), Bucket.WEEK: timedelta(weeks=1)}[bucket]
    buckets = []
    b = bucket_start(first, bucket)
    while b <= bucket_start(last, bucket):
        buckets.append(b)
        b += step
    inside = set(buckets)

    def where(t: datetime) -> datetime | None:
        start = bucket_start(t, bucket)
        return start if start in inside else None

    status: dict[str, str] = {}
    types: Counter[str] = Counter()
    requests: dict[str, str] = {}
    requested_at: dict[str, datetime] = {}
    users, participants, attached = 0, set(), 0
    per: dict[datetime, Counter[str]] = defaultdict(Counter)
    active_in: dict[datetime, set[str]] = defaultdict(set)
    last_day: dict[str, datetime] = {}
    took: list[int] = []
    for e in events:
        match e:
            case UserRegistered():
                users += 1
                if (w := where(e.registered_at)) is not None:
                    per[w]["newUsers"] += 1
            case UserActivityRecorded() | UserLoggedIn():
                t = e.occurred_at if isinstance(e, UserActivityRecorded) else e.logged_in_at
                day = bucket_start(t, Bucket.DAY)
                last_day[e.user_id] = max(last_day.get(e.user_id, day), day)
                if (w := where(t)) is not None:
                    active_in[w].add(e.user_id)
                    per[w]["activities"] += isinstance(e, UserActivityRecorded)
            case EventCreated():
                status[e.promotion_id] = str(e.status)
                if (w := where(e.created_at)) is not None:
                    per[w]["eventsCreated"] += 1
            case EventActivated() | EventDeactivated():
                status[e.promotion_id] = "ACTIVE" if isinstance(e, EventActivated) else "INACTIVE"
            case RewardCreated():
                types[str(e.spec.type).lower()] += 1
            case RewardAttachedToEvent():
                attached += 1
            case RewardDetachedFromEvent():
                attached -= 1
            case RewardRequested():
                requests[e.request_id], requested_at[e.request_id] = "pending", e.requested_at
                participants.add(e.user_id)
                if (w := where(e.requested_at)) is not None:
                    per[w]["requested"] += 1
            case RewardRequestApproved() | RewardRequestRejected():
                verdict = "approved" if isinstance(e, RewardRequestApproved) else "rejected"
                requests[e.request_id] = verdict
                if (w := where(e.decided_at)) is not None:
                    per[w][verdict] += 1
                    took.append(int((e.decided_at - requested_at[e.request_id]).total_seconds() * 1000))
    today = bucket_start(NOW, Bucket.DAY)
    active = sum(1 for day in last_day.values() if today - timedelta(days=29) <= day <= today)
    events_by = {"active": sum(s == "ACTIVE" for s in status.values()),
                 "inactive": sum(s == "INACTIVE" for s in status.values()), "total": len(status)}
    rewards_by = {**{t: types[t] for t in ("point", "item", "coupon", "badge")}, "total": sum(types.values())}
    requests_by = {**{s: sum(v == s for v in requests.values()) for s in ("pending", "approved", "rejected")},
                   "total": len(requests)}
    bins = [0] * len(DECISION_BINS)
    for ms in took:
        bins[next(i for i, edge in enumerate(DECISION_BINS) if edge is None or ms / 1000 <= edge)] += 1
    approved = sum(per[b]["approved"] for b in buckets)
    decided = len(took)

    def pct(q: float) -> int | None:
        ranked = sorted(took)
        if not ranked:
            return None
        nth = ranked[max(1, -(-int(q * 1000) * len(ranked) // 1000)) - 1] / 1000
        return next(edge for edge in DECISION_BINS if edge is None or nth <= edge)

    iso = dashboard_views.iso
    return {
        "overview": {"eventsByStatus": events_by, "rewardsByType": rewards_by, "requestsByStatus": requests_by,
                     "users": users, "activeUsers": active},
        "events": {"statusDistribution": events_by,
                   "rewardsPerEvent": {"events": len(status), "attachedRewards": attached,
                                       "average": attached / len(status) if status else None},
                   "eventsTimeline": [{"start": iso(b), "eventsCreated": per[b]["eventsCreated"]} for b in buckets]},
        "rewards": {"rewardTypeDistribution": rewards_by, "requestStatusDistribution": requests_by,
                    "requestsTimeline": [{"start": iso(b), "requested": per[b]["requested"],
                                          "approved": per[b]["approved"], "rejected": per[b]["rejected"]}
                                         for b in buckets],
                    "approvalRate": {"approved": approved, "decided": decided,
                                     "rate": approved / decided if decided else None},
                    "timeToDecision": {"decided": decided,
                                       "meanSeconds": sum(took) / decided / 1000 if decided else None,
                                       "p50Seconds": pct(0.5), "p90Seconds": pct(0.9), "p99Seconds": pct(0.99),
                                       "bins": [{"upToSeconds": edge, "count": n}
                                                for edge, n in zip(DECISION_BINS, bins, strict=True)]}},
        "users": {"participationRate": {"participants": len(participants), "users": users,
                                        "rate": len(participants) / users if users else None},
                  "activeUsers": active, "newUsers": sum(per[b]["newUsers"] for b in buckets),
                  "activityTimeline": [{"start": iso(b), "activities": per[b]["activities"],
                                        "activeUsers": len(active_in[b]), "newUsers": per[b]["newUsers"]}
                                       for b in buckets]},
    }


async def figures(coll: Any, window: dashboard_views.Window) -> dict[str, Any]:
    """The read model's answers, reduced to the figures (the window echo and active window bounds dropped)."""
    overview, events, rewards, users = await asyncio.gather(
        dashboard_views.overview(coll, NOW), dashboard_views.event_analytics(coll, window),
        dashboard_views.reward_analytics(coll, window), dashboard_views.user_analytics(coll, window, NOW))
    for answer in (events, rewards, users):
        for echoed in ("from", "to", "bucket"):
            answer.pop(echoed)
    for answer in (overview, users):
        answer["activeUsers"] = answer["activeUsers"]["count"]
    return {"overview": overview, "events": events, "rewards": rewards, "users": users}


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories(), batch=st.integers(1, 9), crash_after=st.integers(0, 20),
       counters_only=st.integers(0, 20), bucket=st.sampled_from(list(Bucket)),
       span=st.tuples(minutes, minutes))
async def test_every_figure_is_the_reference_folds_in_any_batching_after_a_crash(
        mongo_db, history, batch, crash_after, counters_only, bucket, span) -> None:
    db = mongo_db.client[f"dash{uuid.uuid4().hex[:12]}"]
    store = MongoEventStore(db)
    await store.ensure_indexes()
    for n, event in enumerate(history):
        await store.append(NewCommit(f"Dash-{n}", 0, [event]))
    projection = all_projections()["dashboard"]
    coll = db[(await load_pointer(db, projection.name)).collection]
    recorded = [e for e in await store.read_all(1, 10_000) if e.type in projection.handles]
    # A crash after a batch's counters were written and before its state was: the refold must not count twice.
    crashed = await derive(coll, recorded[:counters_only])
    await counts.apply_moves(coll, crashed.moves)
    _, coll, _ = await fold_after_crash(db, store, "dashboard", batch, crash_after)

    first, last = at(min(span)), at(max(span))
    if bucket is Bucket.HOUR and (last - first) > timedelta(hours=900):
        last = first + timedelta(hours=900)
    window = dashboard_views.Window(first, last, bucket)
    expected = reference(history, first, last, bucket)
    assert await figures(coll, window) == expected
    await replay(db, store, projection, drop_after=0)
    assert await figures(db[(await load_pointer(db, projection.name)).collection], window) == expected
    await store.close()
    await mongo_db.client.drop_database(db.name)
