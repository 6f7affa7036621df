"""Activity facts: validation of reported activities and the per-user fold that answers condition leaves."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.activity_facts import Activity, ActivityKind, PeriodFacts, UserFacts
from domain.conditions import parse_condition
from domain.evaluation import evaluate

USER = "u1"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def activity(kind: str, when: str, id: str | None = None, **fields: Any) -> Activity:
    body = {"id": id or f"{kind}-{when}-{sorted(fields.items())}", "userId": USER, "kind": kind, "occurredAt": when}
    return Activity.model_validate(body | fields)


def fold(*activities: Activity) -> UserFacts:
    facts = UserFacts(USER)
    for item in activities:
        facts.apply(item)
    return facts


def logins(*days: str) -> UserFacts:
    return fold(*(activity("login", f"{day}T12:00:00Z") for day in days))


# --- activities ------------------------------------------------------------------------------------------------


def test_counted_activities_default_to_an_amount_of_one() -> None:
    for kind in ("login", "invite", "checkin"):
        assert activity(kind, "2026-11-25T10:00:00Z").amount == 1


def test_occurred_at_is_normalised_to_utc() -> None:
    seoul = activity("login", "2026-11-25T09:00:00+09:00")
    assert seoul.occurred_at == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert seoul.occurred_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"kind": "purchase", "amount": 100}, "currency"),
        ({"kind": "purchase", "amount": 0, "currency": "KRW"}, "amount"),
        ({"kind": "purchase", "amount": 100, "currency": "krw"}, "currency"),
        ({"kind": "quest_completed"}, "questId"),
        ({"kind": "level", "amount": 0}, "amount"),
        ({"kind": "invite", "amount": True}, "amount"),
        ({"kind": "invite", "amount": 10**12 + 1}, "amount"),
        ({"kind": "login", "currency": "KRW"}, "currency"),
        ({"kind": "purchase", "amount": 5, "currency": "KRW", "questId": "q1"}, "questId"),
        ({"kind": "dance"}, "kind"),
        ({"kind": "login", "occurredAt": "2026-11-25T10:00:00"}, "occurredAt"),
        ({"kind": "login", "id": ""}, "id"),
        ({"kind": "login", "extra": 1}, "extra"),
    ],
)
def test_activities_that_break_their_kind_rules_are_refused(fields: dict[str, Any], bad_field: str) -> None:
    body = {"id": "a1", "userId": USER, "occurredAt": "2026-11-25T10:00:00Z"} | fields
    with pytest.raises(ValidationError) as caught:
        Activity.model_validate(body)
    assert [err["loc"] for err in caught.value.errors()] == [(bad_field,)]


# --- the fold ----------------------------------------------------------------------------------------------------


def test_counters_only_count_days_the_period_touches() -> None:
    facts = fold(
        activity("invite", "2026-11-24T23:59:59Z"),
        activity("invite", "2026-11-25T09:00:00Z"),  # before the 10:00 start, but the same UTC day
        activity("invite", "2026-11-30T23:00:00Z", amount=3),
        activity("invite", "2026-12-01T00:00:00Z"),  # the end is exclusive
    )
    assert facts.view(at("2026-11-25T10:00:00"), at("2026-12-01T00:00:00")).invites() == 4
    assert facts.view(at("2026-11-25T10:00:00"), at("2026-12-01T00:00:01")).invites() == 5
    assert facts.view(at("2026-11-25T10:00:00")).invites() == 5


def test_purchases_are_summed_per_currency() -> None:
    facts = fold(
        activity("purchase", "2026-11-25T10:00:00Z", amount=3000, currency="KRW"),
        activity("purchase", "2026-11-26T10:00:00Z", amount=2500, currency="KRW"),
        activity("purchase", "2026-11-26T11:00:00Z", amount=5, currency="USD"),
    )
    view = facts.view(at("2026-11-25T00:00:00"))
    assert (view.purchase_total("KRW"), view.purchase_total("USD"), view.purchase_total("EUR")) == (5500, 5, 0)
    assert view.purchase_total(None) == 5505


def test_checkins_and_login_days_are_counted_separately() -> None:
    facts = fold(
        activity("checkin", "2026-11-25T10:00:00Z", amount=2),
        activity("login", "2026-11-25T10:00:00Z"),
        activity("login", "2026-11-25T18:00:00Z"),
    )
    view = facts.view(at("2026-11-25T00:00:00"))
    assert (view.checkins(), view.login_days(consecutive=False)) == (2, 1)


def test_level_is_the_highest_reached_before_the_period_ends_even_before_it_started() -> None:
    facts = fold(
        activity("level", "2026-01-01T00:00:00Z", amount=30),
        activity("level", "2026-11-26T00:00:00Z", amount=12),  # a lower report never lowers the level
        activity("level", "2026-12-05T00:00:00Z", amount=40),
    )
    assert facts.view(at("2026-11-25T00:00:00"), at("2026-12-01T00:00:00")).level() == 30
    assert facts.view(at("2026-11-25T00:00:00")).level() == 40
    assert UserFacts(USER).view(at("2026-11-25T00:00:00")).level() == 0


def test_level_reported_later_in_the_day_does_not_erase_an_earlier_higher_one() -> None:
    facts = fold(
        activity("level", "2026-11-25T10:00:00Z", amount=9), activity("level", "2026-11-25T10:00:00Z", amount=3)
    )
    assert facts.view(at("2026-11-25T00:00:00")).level() == 9


def test_quest_counts_once_completed_before_the_period_ends() -> None:
    facts = fold(activity("quest_completed", "2026-12-02T00:00:00Z", questId="q1"))
    assert not facts.view(at("2026-11-25T00:00:00"), at("2026-12-01T00:00:00")).quest_completed("q1")
    assert facts.view(at("2026-11-25T00:00:00")).quest_completed("q1")
    assert not facts.view(at("2026-11-25T00:00:00")).quest_completed("q2")


@pytest.mark.parametrize(
    ("days", "streak"),
    [
        (["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"], 4),
        (["2026-01-31", "2026-02-01"], 2),
        (["2027-02-28", "2027-03-01"], 2),  # 2027 is not a leap year
        (["2028-02-28", "2028-03-01"], 1),  # 2028 is: Feb 29 is missing
        (["2028-02-28", "2028-02-29", "2028-03-01"], 3),
        (["2026-11-01", "2026-11-02", "2026-11-04", "2026-11-05", "2026-11-06"], 3),
        ([], 0),
    ],
)
def test_consecutive_login_days_follow_the_calendar(days: list[str], streak: int) -> None:
    view = logins(*days).view(at("2026-01-01T00:00:00"))
    assert view.login_days(consecutive=True) == streak
    assert view.login_days(consecutive=False) == len(days)


def test_a_login_streak_is_cut_at_the_period_bounds() -> None:
    facts = logins("2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01")
    assert facts.view(at("2026-12-30T00:00:00"), at("2027-01-01T00:00:00")).login_days(consecutive=True) == 2


def test_the_same_activity_id_counts_once() -> None:
    facts = UserFacts(USER)
    invite = activity("invite", "2026-11-25T10:00:00Z", id="same")
    assert facts.apply(invite) is True
    assert facts.apply(invite) is False
    assert facts.view(at("2026-11-25T00:00:00")).invites() == 1


def test_another_users_activity_is_refused() -> None:
    other = Activity(id="x", user_id="u2", kind=ActivityKind.LOGIN, occurred_at=at("2026-11-25T00:00:00"))
    with pytest.raises(ValueError, match="belongs to user u2"):
        UserFacts(USER).apply(other)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 11, 25), None),
        (at("2026-11-25T00:00:00"), datetime(2026, 11, 26)),
        (at("2026-11-25T00:00:00"), at("2026-11-25T00:00:00")),
        (at("2026-11-25T00:00:00"), at("2026-11-24T00:00:00")),
    ],
)
def test_periods_must_be_aware_and_end_after_they_start(start: datetime, end: datetime | None) -> None:
    with pytest.raises(ValueError):
        UserFacts(USER).view(start, end)


def test_period_bounds_in_other_time_zones_are_read_as_utc() -> None:
    facts = logins("2026-11-24")  # 12:00Z on the 24th is 21:00 on the 24th in Seoul
    seoul = timezone(timedelta(hours=9))
    assert facts.view(datetime(2026, 11, 25, 8, tzinfo=seoul)).login_days(consecutive=False) == 1


def test_facts_survive_a_document_round_trip_as_plain_json() -> None:
    facts = fold(
        activity("login", "2026-11-25T10:00:00Z"),
        activity("invite", "2026-11-25T10:00:00Z", amount=2),
        activity("checkin", "2026-11-26T10:00:00Z"),
        activity("purchase", "2026-11-26T10:00:00Z", amount=900, currency="KRW"),
        activity("quest_completed", "2026-11-26T10:00:00.5Z", questId="dots.and$dollars"),
        activity("level", "2026-11-26T10:00:00Z", amount=7),
    )
    doc = facts.to_doc()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["loginDates"] == ["2026-11-25"]
    assert doc["questsCompleted"] == [["dots.and$dollars", "2026-11-26T10:00:00.500000Z"]]
    restored = UserFacts.from_doc(doc)
    assert restored.to_doc() == doc
    assert restored.view(at("2026-11-25T00:00:00")) == facts.view(at("2026-11-25T00:00:00"))
    assert restored.apply(activity("login", "2026-11-25T10:00:00Z")) is False


def test_a_view_answers_a_condition() -> None:
    condition = parse_condition({"all": [{"login_days": {"min": 2, "consecutive": True}}, {"level": {"min": 5}}]})
    facts = fold(
        activity("login", "2026-11-25T10:00:00Z"),
        activity("login", "2026-11-26T10:00:00Z"),
        activity("level", "2026-11-20T00:00:00Z", amount=5),
    )
    result = evaluate(condition, facts.view(at("2026-11-25T00:00:00"), at("2026-12-01T00:00:00")))
    assert result.eligible
    assert result.facts == {"consecutive_login_days": 2, "level": 5}


# --- properties: the fold against a naive rescan of the raw activities -------------------------------------------

BOUNDARIES = [datetime(2026, 12, 29, tzinfo=UTC), datetime(2027, 2, 26, tzinfo=UTC), datetime(2028, 2, 27, tzinfo=UTC)]
moments = st.builds(
    lambda base, minutes: base + timedelta(minutes=minutes),
    st.sampled_from(BOUNDARIES),
    st.integers(0, 6 * 24 * 60),
)


@st.composite
def activity_lists(draw: st.DrawFn) -> list[Activity]:
    items = []
    for index in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(ActivityKind))
        fields: dict[str, Any] = {"amount": draw(st.integers(1, 50))}
        if kind is ActivityKind.PURCHASE:
            fields["currency"] = draw(st.sampled_from(["KRW", "USD"]))
        if kind is ActivityKind.QUEST_COMPLETED:
            fields["quest_id"] = draw(st.sampled_from(["q1", "q2", "q3"]))
        items.append(Activity(id=f"a{index}", user_id=USER, kind=kind, occurred_at=draw(moments), **fields))
    return items


periods = st.tuples(moments, st.none() | st.integers(1, 8 * 24 * 60)).map(
    lambda p: (p[0], None if p[1] is None else p[0] + timedelta(minutes=p[1]))
)


def answers(view: PeriodFacts) -> tuple[object, ...]:
    return (
        view.login_days(consecutive=False),
        view.login_days(consecutive=True),
        view.invites(),
        view.checkins(),
        {c: view.purchase_total(c) for c in ("KRW", "USD", None)},
        view.level(),
        {q: view.quest_completed(q) for q in ("q1", "q2", "q3")},
    )


def rescan(items: list[Activity], start: datetime, end: datetime | None) -> tuple[object, ...]:
    """The slow, obvious answer: a day counts when [day, day + 1) overlaps [start, end)."""

    def day_start(item: Activity) -> datetime:
        return datetime.combine(item.occurred_at.date(), time(), UTC)

    def touched(item: Activity) -> bool:
        return day_start(item) + timedelta(days=1) > start and (end is None or day_start(item) < end)

    def reached(item: Activity) -> bool:
        return end is None or day_start(item) < end

    def of(kind: ActivityKind) -> list[Activity]:
        return [i for i in items if i.kind is kind and touched(i)]

    days = {i.occurred_at.date() for i in of(ActivityKind.LOGIN)}
    streak = max((next(n for n in range(1, 999) if d + timedelta(days=n) not in days) for d in days), default=0)
    purchases = of(ActivityKind.PURCHASE)
    return (
        len(days),
        streak,
        sum(i.amount for i in of(ActivityKind.INVITE)),
        sum(i.amount for i in of(ActivityKind.CHECKIN)),
        {c: sum(i.amount for i in purchases if c in (None, i.currency)) for c in ("KRW", "USD", None)},
        max((i.amount for i in items if i.kind is ActivityKind.LEVEL and reached(i)), default=0),
        {q: any(i.quest_id == q and reached(i) for i in items) for q in ("q1", "q2", "q3")},
    )


@given(activity_lists(), periods)
def test_the_fold_answers_like_a_rescan_of_every_activity(items: list[Activity], period: Any) -> None:
    assert answers(fold(*items).view(*period)) == rescan(items, *period)


@given(activity_lists(), st.randoms(use_true_random=False), periods)
def test_folding_in_any_order_gives_the_same_facts(items: list[Activity], rng: Any, period: Any) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert fold(*shuffled).to_doc() == fold(*items).to_doc()
    assert fold(*shuffled).view(*period) == fold(*items).view(*period)


@given(activity_lists(), st.data())
def test_duplicate_activity_ids_count_once(items: list[Activity], data: st.DataObject) -> None:
    repeats = data.draw(st.lists(st.sampled_from(items), max_size=10)) if items else []
    assert fold(*items, *repeats).to_doc() == fold(*items).to_doc()


@given(activity_lists(), periods)
def test_document_round_trip_keeps_every_answer(items: list[Activity], period: Any) -> None:
    facts = fold(*items)
    restored = UserFacts.from_doc(json.loads(json.dumps(facts.to_doc())))
    assert restored.to_doc() == facts.to_doc()
    assert restored.view(*period) == facts.view(*period)


near_boundaries = st.builds(
    lambda b, n: b.date() + timedelta(days=n), st.sampled_from(BOUNDARIES), st.integers(-20, 20)
)


@given(st.sets(near_boundaries, max_size=40))
def test_longest_login_streak_matches_a_day_by_day_walk(days: set[date]) -> None:
    facts = logins(*(d.isoformat() for d in days))
    expected = max((next(n for n in range(1, 999) if d + timedelta(days=n) not in days) for d in days), default=0)
    assert facts.view(at("2026-01-01T00:00:00")).login_days(consecutive=True) == expected
