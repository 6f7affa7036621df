"""The rule language: parsing, error paths, JSON round trips, and evaluation's boolean algebra."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.activity_facts import PeriodFacts
from domain.conditions import (
    LANGUAGE_VERSION,
    AllOf,
    AnyOf,
    Condition,
    ConditionError,
    Invites,
    Level,
    LoginDays,
    Not,
    QuestCompleted,
    all_of,
    condition_to_json,
    parse_condition,
    upcast_condition,
)
from domain.errors import FieldError, InvalidInput
from domain.evaluation import evaluate

SPEC_EXAMPLE = {
    "all": [
        {"login_days": {"min": 3}},
        {"any": [{"invites": {"min": 2}}, {"purchase_total": {"min": 5000, "currency": "KRW"}}]},
    ]
}


def facts(**overrides: Any) -> PeriodFacts:
    values: dict[str, Any] = {
        "login_day_count": 0,
        "longest_login_streak": 0,
        "invite_count": 0,
        "checkin_count": 0,
        "purchase_totals": {},
        "max_level": 0,
        "completed_quests": frozenset(),
    }
    return PeriodFacts(**(values | overrides))


def nested_nots(levels: int) -> dict[str, Any]:
    rule: dict[str, Any] = {"level": {"min": 1}}
    for _ in range(levels):
        rule = {"not": rule}
    return rule


def error_paths(raw: object) -> list[str]:
    with pytest.raises(ConditionError) as caught:
        parse_condition(raw)
    return [e.path for e in caught.value.errors]


# --- parsing ---------------------------------------------------------------------------------------------------


def test_spec_example_parses_into_typed_nodes() -> None:
    condition = parse_condition(SPEC_EXAMPLE)
    assert isinstance(condition, AllOf)
    assert condition.rules[0] == LoginDays(min=3)
    assert isinstance(condition.rules[1], AnyOf)


@pytest.mark.parametrize("empty", [None, {}])
def test_empty_condition_means_always_eligible(empty: object) -> None:
    assert parse_condition(empty) is None
    assert condition_to_json(None) is None
    assert evaluate(None, facts()).to_json() == {"eligible": True, "facts": {}, "explanation": None}


def test_quest_id_is_camel_case_in_json_and_snake_case_in_code() -> None:
    rule = parse_condition({"quest_completed": {"questId": "tutorial"}})
    assert rule == QuestCompleted(quest_id="tutorial")
    assert condition_to_json(rule) == {"quest_completed": {"questId": "tutorial"}}


def test_parsed_rules_are_frozen() -> None:
    rule = parse_condition({"invites": {"min": 2}})
    with pytest.raises(ValueError):
        rule.min = 3  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "expected_paths"),
    [
        ({"login_days": {"min": True}}, ["/login_days/min"]),
        ({"login_days": {"min": 3661}}, ["/login_days/min"]),
        ({"login_days": {"min": 3, "consecutive": 1}}, ["/login_days/consecutive"]),
        ({"invites": {"min": -1}}, ["/invites/min"]),
        ({"invites": {"min": 10**12 + 1}}, ["/invites/min"]),
        ({"invites": {"min": 2.0}}, ["/invites/min"]),
        ({"invites": {"min": "2"}}, ["/invites/min"]),
        ({"invites": {}}, ["/invites/min"]),
        ({"invites": 2}, ["/invites"]),
        ({"checkins": {"min": 1, "max": 3}}, ["/checkins/max"]),
        ({"purchase_total": {"min": 1, "currency": "krw"}}, ["/purchase_total/currency"]),
        ({"purchase_total": {"min": 1, "currency": "KRWX"}}, ["/purchase_total/currency"]),
        ({"quest_completed": {"questId": "q" * 65}}, ["/quest_completed/questId"]),
        ({"quest_completed": {"questId": ""}}, ["/quest_completed/questId"]),
        ({"quest_completed": {"quest_id": "q"}}, ["/quest_completed/questId", "/quest_completed/quest_id"]),
        ({"level": {"min": 1}, "invites": {"min": 1}}, [""]),
        ({"bogus": {}}, ["/bogus"]),
        ({"a/b~c": 1}, ["/a~1b~0c"]),
        ([{"level": {"min": 1}}], [""]),
        ("level", [""]),
        ({"all": {"level": {"min": 1}}}, ["/all"]),
        ({"all": []}, ["/all"]),
        ({"any": []}, ["/any"]),
        ({"not": {}}, ["/not"]),
        ({"not": []}, ["/not"]),
        ({"all": [1]}, ["/all/0"]),
        ({"all": [{"login_days": {"min": 1}}, {"invites": {"min": "2"}}]}, ["/all/1/invites/min"]),
        ({"any": [{"level": {"min": 1}}, {"not": {"bogus": {}}}]}, ["/any/1/not/bogus"]),
        (
            {"all": [{"any": [{"invites": {"min": 1}}, {"all": [{"level": {"min": -5}}]}]}]},
            ["/all/0/any/1/all/0/level/min"],
        ),
        (nested_nots(8), ["/not" * 8]),
        ({"any": [{"level": {"min": 1}}] * 64}, ["/any/63"]),
        ({"any": [{"level": {"min": 1}}] * 10_000}, ["/any/63"]),
    ],
)
def test_errors_point_at_the_offending_part_of_the_rule(raw: object, expected_paths: list[str]) -> None:
    assert error_paths(raw) == expected_paths


def test_every_error_is_reported_not_just_the_first() -> None:
    raw = {"all": [{"invites": {"min": -1}}, {"level": {"min": True}}, {"nope": 1}, {"checkins": {"x": 1}}]}
    assert error_paths(raw) == [
        "/all/0/invites/min",
        "/all/1/level/min",
        "/all/2/nope",
        "/all/3/checkins/min",
        "/all/3/checkins/x",
    ]


def test_errors_have_human_messages() -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition({"all": [{"unknown": 1}, {"any": []}]})
    messages = [e.message for e in caught.value.errors]
    assert messages[0].startswith("unknown rule 'unknown'; expected one of login_days")
    assert messages[1] == "must list at least one rule"


def test_deepest_and_largest_allowed_rules_are_accepted() -> None:
    assert parse_condition(nested_nots(7)) is not None
    assert parse_condition({"any": [{"level": {"min": 1}}] * 63}) is not None


def test_condition_errors_are_invalid_input_and_can_be_placed_in_the_request_body() -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition({"all": [{"level": {"min": -1}}]})
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert isinstance(error, ValueError)
    assert error.at("/rewardCondition").errors == [
        FieldError("/rewardCondition/all/0/level/min", "Input should be greater than or equal to 0")
    ]


def test_upcast_is_identity_for_the_current_version_and_refuses_unknown_ones() -> None:
    assert LANGUAGE_VERSION == 1
    assert upcast_condition(SPEC_EXAMPLE, 1) is SPEC_EXAMPLE
    for version in (0, LANGUAGE_VERSION + 1):
        with pytest.raises(ValueError, match="unknown condition language version"):
            upcast_condition(SPEC_EXAMPLE, version)


def test_all_of_combines_only_the_present_conditions() -> None:
    a, b = Invites(min=1), Level(min=2)
    assert all_of(None, None) is None
    assert all_of(a, None) == a
    assert all_of(a, b) == AllOf(rules=(a, b))


# --- evaluation --------------------------------------------------------------------------------------------------


def test_evaluation_explains_every_leaf_and_reports_the_facts_seen() -> None:
    condition = parse_condition(
        {
            "all": [
                {"login_days": {"min": 3, "consecutive": True}},
                {"not": {"purchase_total": {"min": 5000, "currency": "KRW"}}},
                {"any": [{"invites": {"min": 2}}, {"quest_completed": {"questId": "q1"}}]},
            ]
        }
    )
    seen = facts(longest_login_streak=4, purchase_totals={"KRW": 100}, invite_count=1, completed_quests={"q1"})
    result = evaluate(condition, seen).to_json()
    assert result == {
        "eligible": True,
        "facts": {
            "consecutive_login_days": 4,
            "invites": 1,
            "purchase_total:KRW": 100,
            "quest_completed": ["q1"],
        },
        "explanation": {
            "op": "all",
            "passed": True,
            "children": [
                {"kind": "login_days", "required": {"min": 3, "consecutive": True}, "seen": 4, "passed": True},
                {
                    "op": "not",
                    "passed": True,
                    "children": [
                        {
                            "kind": "purchase_total",
                            "required": {"min": 5000, "currency": "KRW"},
                            "seen": 100,
                            "passed": False,
                        }
                    ],
                },
                {
                    "op": "any",
                    "passed": True,
                    "children": [
                        {"kind": "invites", "required": {"min": 2}, "seen": 1, "passed": False},
                        {"kind": "quest_completed", "required": {"questId": "q1"}, "seen": True, "passed": True},
                    ],
                },
            ],
        },
    }
    json.dumps(result)


def test_purchase_total_without_currency_sums_every_currency() -> None:
    result = evaluate(parse_condition({"purchase_total": {"min": 150}}), facts(purchase_totals={"A": 100, "B": 50}))
    assert result.eligible
    assert result.facts == {"purchase_total": 150}


def test_min_is_inclusive() -> None:
    assert evaluate(LoginDays(min=3), facts(login_day_count=3)).eligible
    assert not evaluate(LoginDays(min=3), facts(login_day_count=2)).eligible


# --- properties ----------------------------------------------------------------------------------------------------


def leaf_rules(amounts: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, Any]]:
    def with_optional(rule: str, body: dict[str, Any], key: str, value: object) -> dict[str, Any]:
        return {rule: body | ({key: value} if value is not None else {})}

    return st.one_of(
        st.builds(
            lambda m, c: with_optional("login_days", {"min": m}, "consecutive", c),
            amounts.map(lambda m: min(m, 3660)),
            st.none() | st.booleans(),
        ),
        st.builds(lambda m: {"invites": {"min": m}}, amounts),
        st.builds(
            lambda m, c: with_optional("purchase_total", {"min": m}, "currency", c),
            amounts,
            st.none() | st.sampled_from(["KRW", "USD"]),
        ),
        st.builds(lambda m: {"checkins": {"min": m}}, amounts),
        st.builds(lambda m: {"level": {"min": m}}, amounts),
        st.builds(
            lambda q: {"quest_completed": {"questId": q}},
            st.sampled_from(["q1", "q2"])  # ids refuse control and bidi characters (domain.types.SingleLine)
            | st.text(st.characters(exclude_categories=("Cc", "Cf")), min_size=1, max_size=64),
        ),
    )


def trees(leaves: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        some = st.lists(children, min_size=1, max_size=4)
        return st.one_of(
            some.map(lambda xs: {"all": xs}), some.map(lambda xs: {"any": xs}), children.map(lambda x: {"not": x})
        )

    return st.recursive(leaves, extend, max_leaves=12).filter(lambda r: depth(r) <= 8 and size(r) <= 64)


def children_of(rule: dict[str, Any]) -> list[dict[str, Any]]:
    [(key, body)] = rule.items()
    return body if key in ("all", "any") else [body] if key == "not" else []


def depth(rule: dict[str, Any]) -> int:
    return 1 + max((depth(child) for child in children_of(rule)), default=0)


def size(rule: dict[str, Any]) -> int:
    return 1 + sum(size(child) for child in children_of(rule))


any_rules = trees(leaf_rules(st.integers(0, 10**12)))
small_rules = trees(leaf_rules(st.integers(0, 6))).map(parse_condition)
small_facts = st.builds(
    facts,
    login_day_count=st.integers(0, 6),
    longest_login_streak=st.integers(0, 6),
    invite_count=st.integers(0, 6),
    checkin_count=st.integers(0, 6),
    purchase_totals=st.dictionaries(st.sampled_from(["KRW", "USD"]), st.integers(0, 6)),
    max_level=st.integers(0, 6),
    completed_quests=st.frozensets(st.sampled_from(["q1", "q2"])),
)


def holds(rule: Condition | None, seen: PeriodFacts) -> bool:
    return evaluate(rule, seen).eligible


@given(any_rules)
def test_rules_round_trip_through_json(raw: dict[str, Any]) -> None:
    parsed = parse_condition(json.loads(json.dumps(raw)))
    assert condition_to_json(parsed) == raw
    assert parse_condition(condition_to_json(parsed)) == parsed


@given(small_rules, small_rules, small_facts)
def test_de_morgan_laws_hold(a: Condition, b: Condition, seen: PeriodFacts) -> None:
    assert holds(Not(rule=AllOf(rules=(a, b))), seen) == holds(AnyOf(rules=(Not(rule=a), Not(rule=b))), seen)
    assert holds(Not(rule=AnyOf(rules=(a, b))), seen) == holds(AllOf(rules=(Not(rule=a), Not(rule=b))), seen)


@given(small_rules, small_rules, small_facts)
def test_all_and_any_are_conjunction_and_disjunction(a: Condition, b: Condition, seen: PeriodFacts) -> None:
    assert holds(AllOf(rules=(a, b)), seen) == (holds(a, seen) and holds(b, seen)) == holds(AllOf(rules=(b, a)), seen)
    assert holds(AnyOf(rules=(a, b)), seen) == (holds(a, seen) or holds(b, seen)) == holds(AnyOf(rules=(b, a)), seen)


@given(small_rules, small_facts)
def test_single_child_combinators_and_double_negation_are_identities(rule: Condition, seen: PeriodFacts) -> None:
    expected = holds(rule, seen)
    assert holds(AllOf(rules=(rule,)), seen) == expected
    assert holds(AnyOf(rules=(rule,)), seen) == expected
    assert holds(Not(rule=Not(rule=rule)), seen) == expected
    assert not holds(AllOf(rules=(rule, Not(rule=rule))), seen)
    assert holds(AnyOf(rules=(rule, Not(rule=rule))), seen)


@given(small_rules, small_facts)
def test_explanation_root_agrees_with_eligibility_and_is_json(rule: Condition, seen: PeriodFacts) -> None:
    result = evaluate(rule, seen)
    assert result.explanation is not None
    assert result.explanation.passed == result.eligible
    assert json.loads(json.dumps(result.to_json())) == result.to_json()
