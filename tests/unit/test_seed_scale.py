"""`seed-demo` at scale on the in-memory store: promotions of every shape, players' requests and the operator's
decisions land through the commands, a second run adds nothing, and the players' activity follows a daily and
weekly rhythm without ever being in the future."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from commands.store import MemoryEventStore
from domain.clock import iso
from domain.promotion_events import PromotionStatus
from ops.seed_activity import RECENT_DAYS, player_activities
from ops.seed_demo import seed
from ops.seed_scale import SHAPES, promotion, requests_of

TODAY = datetime(2026, 12, 2, tzinfo=UTC)


def day(offset: int) -> str:
    return iso(TODAY + timedelta(days=offset)) or ""


def test_promotions_come_in_every_shape_and_most_running_ones_take_requests():
    planned = [promotion(day, n, 42, ["scale-0", "scale-1", "scale-2", "scale-3"]) for n in range(1, 401)]
    shapes = Counter(p.body["description"].split(": ")[1].split(",")[0] for p in planned)
    assert set(shapes) == set(SHAPES)
    assert {p.body["status"] for p in planned} == {s.value for s in PromotionStatus}
    assert any(p.activate for p in planned) and any(p.body["periodEnd"] is None for p in planned)
    offers = [o for p in planned for o in p.offers]
    assert {o["autoResolve"] for o in offers} == {True, False}
    assert any("stock" in o for o in offers) and any(o.get("perUserLimit", 1) > 1 for o in offers)
    assert any(o["condition"] is None for o in offers) and any(o["condition"] for o in offers)
    running = [p for p in planned if p.body["periodStart"] <= day(0)
               and (p.body["periodEnd"] is None or p.body["periodEnd"] > day(0))]
    requestable = [p for p in planned if p.requestable]
    assert set(map(id, requestable)) <= set(map(id, running)) and len(requestable) > 0.75 * len(running)
    for player in range(1, 50):  # each request is for a different reward
        keys = [(r.promotion, r.reward) for r in requests_of(42, player, requestable)]
        assert len(keys) == len(set(keys))


def test_activity_is_never_in_the_future_and_peaks_in_the_evening_and_on_weekends():
    activities = [a for n in range(1, 301) for a in player_activities(42, TODAY, n, f"u{n}", days=90)]
    times = [datetime.fromisoformat(a["occurredAt"]) for a in activities]
    assert max(times) < TODAY and min(times) >= TODAY - timedelta(days=90)
    hours = Counter(t.hour for t in times)
    assert sum(hours[h] for h in range(18, 23)) > 2 * sum(hours[h] for h in range(7, 12))
    weekend = Counter(t.weekday() >= 5 for t in times if t < TODAY - timedelta(days=RECENT_DAYS))
    assert weekend[True] / 2 > weekend[False] / 5  # per day, weekends are busier
    assert len({a["id"] for a in activities}) == len(activities)


def test_more_days_add_older_history_and_keep_each_player_apart():
    recent = player_activities(42, TODAY, 7, "u7")
    longer = player_activities(42, TODAY, 7, "u7", days=120)
    assert len(longer) > len(recent)
    assert player_activities(42, TODAY, 7, "u7") == recent


async def test_requests_and_decisions_land_and_a_second_run_adds_nothing():
    store = MemoryEventStore()
    lines = await seed(store, 30, 5, promotions=40, days=30, show_progress=False)
    head = await store.head()
    events = Counter(e.type for e in await store.read_all(1, 100_000))
    assert events["EventCreated"] == 44 and events["UserRegistered"] == 33
    assert events["RewardRequested"] > 0 and events["RewardRequestApproved"] > 0
    assert events["RewardRequestRejected"] > 0 and events["RewardGranted"] == events["RewardRequestApproved"]
    stored = [e.event for e in await store.read_all(1, 100_000)]
    players = {e.user_id for e in stored if type(e).__name__ == "UserRegistered"}
    assert {e.user_id for e in stored if type(e).__name__ == "RewardRequested"} <= players
    approved = [e for e in stored if type(e).__name__ == "RewardRequestApproved"]
    assert {e.decided_by is None for e in approved} == {True, False}  # autoResolve, and the operator
    assert any("reward requests" in line for line in lines)

    again = await seed(store, 30, 5, promotions=40, days=30, show_progress=False)
    assert await store.head() == head
    assert f"store position {head} -> {head} (0 new events)" in "\n".join(again)
