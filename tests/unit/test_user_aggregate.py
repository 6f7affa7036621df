"""The User aggregate: roles behave as a set, every change is exactly one event, and a replay gives the same user."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Conflict, InvalidInput
from domain.events import DomainEvent
from domain.user import Role, User, UserRolesChanged

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
role_lists = st.lists(st.sampled_from(list(Role)), max_size=6)


def registered(roles: list[Role] | None = None) -> User:
    user = User("u1")
    user.register("Player@Example.COM", "hash", AT, roles)
    return user



def rebuilt(events: list[DomainEvent]) -> User:
    """As `CommandContext.load` folds a stream: apply each event, the version counting them."""
    user = User("u1")
    for number, event in enumerate(events, 1):
        user.apply(event)
        user.version = number
    return user


@given(initial=role_lists, changes=st.lists(role_lists, max_size=8))
def test_roles_are_the_last_nonempty_set_and_each_real_change_is_one_event(initial, changes):
    user = registered(initial or None)
    expected = sorted(set(initial)) or [Role.USER]
    history = list(user.collect_events())
    for roles in changes:
        before = list(user.roles)
        if not roles:
            with pytest.raises(InvalidInput):
                user.change_roles(roles)
            assert user.roles == before and not user.collect_events()
            continue
        user.change_roles(roles)
        new = user.collect_events()
        expected = sorted(set(roles))
        assert user.roles == expected
        if expected == before:
            assert new == []  # the same set again, in any order or with repeats, is no change
        else:
            assert new == [UserRolesChanged(user_id="u1", roles=expected, previous_roles=before)]
        history += new
    replayed = rebuilt(history)
    assert replayed.roles == expected and replayed.version == len(history)
    assert replayed.email == "player@example.com" and replayed.registered_at == AT


@given(first=role_lists.filter(bool), second=role_lists.filter(bool))
def test_role_changes_are_idempotent_and_order_free(first, second):
    a, b = registered(), registered()
    a.change_roles(first)
    a.change_roles(first[::-1] + first)
    b.change_roles(sorted(set(first), reverse=True))
    assert a.roles == b.roles == sorted(set(first))
    a.change_roles(second)
    assert a.roles == sorted(set(second))


def test_version_counts_stored_events_and_logins_update_last_login():
    user = rebuilt(registered().collect_events())
    assert user.version == 1 and user.exists and user.last_login_at is None
    later = datetime(2026, 11, 26, tzinfo=UTC)
    user.record_login(later)
    user.change_roles([Role.ADMIN])
    events = user.collect_events()
    again = rebuilt([*registered().collect_events(), *events])
    assert again.version == 3 and again.last_login_at == later and again.roles == [Role.ADMIN]


def test_a_user_registers_once():
    user = registered()
    with pytest.raises(Conflict):
        user.register("other@example.com", "hash", AT)
