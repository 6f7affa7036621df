"""The Event aggregate: lifecycle, reward terms, stored conditions, and (hypothesis) any sequence of operations
leaves live state equal to the state rebuilt from its events, with a version per event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.activity_facts import PeriodFacts
from domain.conditions import LANGUAGE_VERSION, parse_condition
from domain.errors import Conflict, DomainError, InvalidInput, NotFound
from domain.evaluation import evaluate, holds
from domain.events import DomainEvent
from domain.promotion import Promotion, PromotionDetails, RewardTerms
from domain.promotion_events import (
    EventActivated,
    EventCreated,
    EventUpdated,
    PromotionStatus,
    RewardAttachedToEvent,
    RewardDetachedFromEvent,
)
from domain.stored_condition import (
    StoredCondition,
    load_condition,
    read_condition,
    store_condition,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
RULE = {"all": [{"login_days": {"min": 3}}, {"invites": {"min": 1}}]}


def details(**overrides: Any) -> PromotionDetails:
    values: dict[str, Any] = {"name": "Winter", "description": "", "period_start": T0,
                              "period_end": T0 + timedelta(days=7), "reward_condition": None}
    return PromotionDetails(**(values | overrides))


def created(status: PromotionStatus = PromotionStatus.ACTIVE, **overrides: Any) -> Promotion:
    event = Promotion("e1")
    event.create(details(**overrides), status, "op", NOW)
    return event


def commit(event: Promotion) -> list[DomainEvent]:
    """What a save does to the aggregate: drain the new events and move the version past them."""
    events = event.collect_events()
    event.version += len(events)
    return events


def rebuilt(event: Promotion, events: list[DomainEvent]) -> Promotion:
    """As `CommandContext.load` folds a stream: apply each event, the version counting them."""
    copy = Promotion(event.id)
    for number, past in enumerate(events, 1):
        copy.apply(past)
        copy.version = number
    return copy


def test_a_new_event_is_active_by_default_and_records_who_created_it() -> None:
    event = created()
    [recorded] = event.collect_events()
    assert isinstance(recorded, EventCreated)
    assert recorded.status is PromotionStatus.ACTIVE and recorded.created_by == "op" and recorded.created_at == NOW
    assert event.status is PromotionStatus.ACTIVE and event.created_at == event.updated_at == NOW


def test_a_period_must_end_after_it_starts() -> None:
    for end in (T0, T0 - timedelta(seconds=1)):
        with pytest.raises(InvalidInput) as caught:
            created(period_end=end)
        assert [e.path for e in caught.value.errors] == ["/periodEnd"]
    assert created(period_end=None).details.period_end is None


def test_an_update_is_checked_against_the_period_it_would_leave() -> None:
    event = created()
    commit(event)
    with pytest.raises(InvalidInput):
        event.update(details(period_start=T0 + timedelta(days=8)), "op", NOW)
    assert event.collect_events() == []


def test_an_update_names_the_fields_that_changed_and_nothing_is_recorded_without_a_change() -> None:
    event = created()
    commit(event)
    event.update(details(), "op", NOW)
    assert event.collect_events() == []
    event.update(details(name="Summer", reward_condition=parse_condition(RULE)), "op2", NOW)
    [update] = event.collect_events()
    assert isinstance(update, EventUpdated)
    assert update.changed == ["name", "rewardCondition"] and update.updated_by == "op2"


def test_times_are_kept_to_the_millisecond() -> None:
    event = created(period_start=T0.replace(microsecond=123456))
    assert event.details.period_start.microsecond == 123000


def test_activating_an_active_event_records_nothing() -> None:
    event = created()
    commit(event)
    event.set_status(PromotionStatus.ACTIVE, "op", NOW)
    assert event.collect_events() == []
    event.set_status(PromotionStatus.INACTIVE, "op", NOW)
    event.set_status(PromotionStatus.ACTIVE, "op", NOW)
    assert [type(e).__name__ for e in event.collect_events()] == ["EventDeactivated", "EventActivated"]


def test_changes_to_an_unknown_event_are_not_found() -> None:
    event = Promotion("nope")
    with pytest.raises(NotFound):
        event.set_status(PromotionStatus.ACTIVE, "op", NOW)
    with pytest.raises(NotFound):
        event.attach(RewardTerms("r1", {}), "op", NOW)


def test_a_reward_is_attached_at_most_once() -> None:
    event = created()
    event.attach(RewardTerms("r1", {"id": "r1"}, stock=10), "op", NOW)
    with pytest.raises(Conflict):
        event.attach(RewardTerms("r1", {"id": "r1"}), "op", NOW)
    assert event.rewards["r1"].remaining == 10
    event.detach("r1", "op", NOW)
    event.attach(RewardTerms("r1", {"id": "r1"}), "op", NOW)  # attachable again once detached
    assert event.rewards["r1"].stock is None and event.rewards["r1"].remaining is None


def test_stock_cannot_drop_below_what_was_granted() -> None:
    event = created()
    event.attach(RewardTerms("r1", {}, stock=10), "op", NOW)
    event.rewards["r1"] = replace(event.rewards["r1"], granted=4)
    with pytest.raises(InvalidInput) as caught:
        event.change_terms(replace(event.rewards["r1"], stock=3), "op", NOW)
    assert caught.value.errors[0].path == "/stock"


def test_conditions_are_stored_with_their_language_version() -> None:
    condition = parse_condition(RULE)
    event = created(reward_condition=condition)
    [recorded] = event.collect_events()
    assert isinstance(recorded, EventCreated)
    assert recorded.to_data()["rewardCondition"] == {"version": LANGUAGE_VERSION, "rule": RULE}
    assert load_condition(StoredCondition(version=1, rule=RULE)) == condition
    assert store_condition(None) is None and load_condition(None) is None


def test_an_unknown_stored_language_version_is_refused_when_read() -> None:
    with pytest.raises(ValueError):
        load_condition(StoredCondition(version=LANGUAGE_VERSION + 1, rule=RULE))


def test_condition_errors_point_into_the_request_body() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_condition({"all": [{"login_days": {"min": 3}}, {"invites": {"min": -1}}]}, "/condition")
    assert [e.path for e in caught.value.errors] == ["/condition/all/1/invites/min"]
    assert read_condition({}, "/condition") is None and read_condition(None, "/condition") is None


# --- any sequence of operations ----------------------------------------------------------------------------------

REWARDS = ["r1", "r2", "r3"]
operations = st.lists(st.one_of(
    st.tuples(st.just("update"), st.sampled_from(["A", "B"]), st.integers(-2, 3)),
    st.tuples(st.just("status"), st.sampled_from(list(PromotionStatus))),
    st.tuples(st.just("attach"), st.sampled_from(REWARDS), st.none() | st.integers(0, 5)),
    st.tuples(st.just("terms"), st.sampled_from(REWARDS), st.booleans()),
    st.tuples(st.just("detach"), st.sampled_from(REWARDS)),
), max_size=25)


def _run(event: Promotion, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "update":
        event.update(details(name=op[1], period_end=T0 + timedelta(days=op[2])), "op", NOW)
    elif kind == "status":
        event.set_status(op[1], "op", NOW)
    elif kind == "attach":
        event.attach(RewardTerms(op[1], {"id": op[1]}, stock=op[2]), "op", NOW)
    elif kind == "terms":
        event.change_terms(replace(event.terms(op[1]), auto_resolve=op[2]), "op", NOW)
    else:
        event.detach(op[1], "op", NOW)


@settings(max_examples=200, deadline=None)
@given(operations, st.sampled_from(list(PromotionStatus)))
def test_any_sequence_of_operations_rebuilds_to_the_same_state_with_a_version_per_event(
        ops: list[tuple[Any, ...]], initial: PromotionStatus) -> None:
    event = created(initial)
    stream: list[DomainEvent] = commit(event)
    attached: set[str] = set()
    for op in ops:
        before = (event.details, event.status, dict(event.rewards))
        try:
            _run(event, op)
        except DomainError:
            assert (event.details, event.status, dict(event.rewards)) == before  # refused: nothing changed
            assert event.collect_events() == []
            continue
        new = commit(event)
        for e in new:
            if isinstance(e, RewardAttachedToEvent):
                assert e.reward_id not in attached  # at most once at any time
                attached.add(e.reward_id)
            elif isinstance(e, RewardDetachedFromEvent):
                attached.discard(e.reward_id)
            elif isinstance(e, EventActivated):
                assert before[1] is PromotionStatus.INACTIVE
        stream.extend(new)
    copy = rebuilt(event, stream)
    assert copy.version == event.version == len(stream)
    assert (copy.details, copy.status, copy.rewards) == (event.details, event.status, event.rewards)
    assert set(copy.rewards) == attached
    assert copy.details.period_end is None or copy.details.period_end > copy.details.period_start


# --- counting eligibility without explanations ---------------------------------------------------------------------

leaf_rules = st.one_of(
    st.builds(lambda n, c: {"login_days": {"min": n, "consecutive": c}}, st.integers(0, 4), st.booleans()),
    st.builds(lambda n: {"invites": {"min": n}}, st.integers(0, 4)),
    st.builds(lambda n: {"level": {"min": n}}, st.integers(0, 4)),
    st.builds(lambda q: {"quest_completed": {"questId": q}}, st.sampled_from(["q1", "q2"])),
    st.builds(lambda n, c: {"purchase_total": {"min": n, **({"currency": c} if c else {})}},
              st.integers(0, 4), st.sampled_from([None, "KRW"])),
)
rules = st.recursive(leaf_rules, lambda inner: st.one_of(
    st.builds(lambda rs: {"all": rs}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda rs: {"any": rs}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda r: {"not": r}, inner)), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(rule=rules, logins=st.integers(0, 4), streak=st.integers(0, 4), invites=st.integers(0, 4),
       level=st.integers(0, 4), quests=st.sets(st.sampled_from(["q1", "q2"])), krw=st.integers(0, 4))
def test_holds_answers_as_evaluate_does(rule: dict[str, Any], logins: int, streak: int, invites: int, level: int,
                                        quests: set[str], krw: int) -> None:
    facts = PeriodFacts(login_day_count=logins, longest_login_streak=min(streak, logins), invite_count=invites,
                        checkin_count=0, purchase_totals={"KRW": krw, "USD": 1}, max_level=level,
                        completed_quests=frozenset(quests))
    condition = parse_condition(rule)
    assert holds(condition, facts) == evaluate(condition, facts).eligible
    assert holds(None, facts) is True
