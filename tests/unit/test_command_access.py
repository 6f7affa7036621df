"""Who may send each command, checked by the dispatcher behind the gateway's guards (defence in depth): the table
mirrors gateway/guards.py, and a new command has to be placed in it deliberately."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.connection import ASGIConnection

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.handlers import COMMAND_HANDLERS
from commands.identity import CLI_HANDLERS
from commands.messages import ACTIVITY_INGEST, GATEWAY, IN_PROCESS
from commands.store import MemoryEventStore
from gateway.controllers.activities import requires_operator_or_service
from gateway.guards import Guard, requires_admin, requires_operator, requires_user
from gateway.principal import Principal
from gateway.problems import AppError
from tests.role_table import ROLES

_APP = Litestar()


def admitted(guard: Guard) -> frozenset[str]:
    """The roles `guard` lets through, found by asking it about a principal of each role (and the service's)."""
    def lets_in(role: str) -> bool:
        state = {"principal": Principal(f"{role.lower()}-1", frozenset({role}))}
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(
            {"type": "http", "litestar_app": _APP, "headers": [], "state": state})  # type: ignore[arg-type]
        try:
            asyncio.run(guard(connection, None))  # type: ignore[arg-type]
        except AppError:
            return False
        return True

    return frozenset(role for role in (*ROLES, "SERVICE") if lets_in(role))


PUBLIC = None
OPERATOR_ROUTES = admitted(requires_operator)
EXPECTED = {
    "Ping": PUBLIC, "RegisterUser": PUBLIC, "LogIn": PUBLIC, "RefreshSession": PUBLIC,
    "ReportRefreshTokenReuse": PUBLIC,
    "ChangeUserRoles": admitted(requires_admin),
    "CreatePromotion": OPERATOR_ROUTES, "UpdatePromotion": OPERATOR_ROUTES, "ActivatePromotion": OPERATOR_ROUTES,
    "DeactivatePromotion": OPERATOR_ROUTES, "AttachReward": OPERATOR_ROUTES, "UpdatePromotionReward": OPERATOR_ROUTES,
    "DetachReward": OPERATOR_ROUTES, "CreateReward": OPERATOR_ROUTES,
    "RecordActivity": admitted(requires_operator_or_service),
    "RequestReward": admitted(requires_user), "DecideRewardRequest": OPERATOR_ROUTES,
}


def test_every_command_declares_the_roles_of_the_route_that_sends_it() -> None:
    assert {c.subject_name() for c in COMMAND_HANDLERS} == set(EXPECTED)
    for command in COMMAND_HANDLERS:
        access, roles = command.ACCESS, EXPECTED[command.subject_name()]
        assert access.public == (roles is PUBLIC), command.subject_name()
        assert roles is PUBLIC or access.roles == roles, command.subject_name()


#: Commands only the gateway may send (it alone saw what they report).
GATEWAY_ONLY = {"ReportRefreshTokenReuse"}


def test_only_activities_come_from_game_servers_and_admins_only_from_the_cli() -> None:
    for command in COMMAND_HANDLERS:
        name = command.subject_name()
        expected = {GATEWAY} if name in GATEWAY_ONLY else {GATEWAY, IN_PROCESS} | (
            {ACTIVITY_INGEST} if name == "RecordActivity" else set())
        assert command.ACCESS.callers == expected, name
    assert [c.ACCESS.callers for c in CLI_HANDLERS] == [{IN_PROCESS}]


@pytest.mark.parametrize("via", [IN_PROCESS, ACTIVITY_INGEST, "policy"])
async def test_a_refresh_token_reuse_is_recorded_only_when_the_gateway_reports_it(via: str) -> None:
    store = MemoryEventStore()
    reply = await dispatch("ReportRefreshTokenReuse", {"userId": "u1"}, Caller(uuid.uuid4().hex, via=via), store)
    assert reply.error is not None and reply.error.code == "forbidden"
    assert await store.head() == 0


@pytest.mark.parametrize(("actor", "via", "code"), [
    (Actor(), GATEWAY, "unauthorized"),
    (Actor("u1", frozenset({"USER"})), GATEWAY, "forbidden"),
    (Actor("a1", frozenset({"AUDITOR"})), GATEWAY, "forbidden"),
    (Actor("s1", frozenset({"SERVICE"})), ACTIVITY_INGEST, "forbidden"),  # a game server may only report
])
async def test_the_dispatcher_refuses_a_back_office_command_to_anyone_else(actor: Actor, via: str, code: str) -> None:
    store = MemoryEventStore()
    reply = await dispatch("CreatePromotion", {"name": "E", "periodStart": "2026-12-01T00:00:00Z"},
                           Caller(uuid.uuid4().hex, actor, via=via), store)
    assert reply.error is not None and reply.error.code == code
    assert await store.head() == 0
