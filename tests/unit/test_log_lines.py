"""One log format: a standard-library line and a structlog line come out as the same one-line JSON object; the
gateway logs one line per request and the dispatcher one per command (docs/logging.md)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from litestar import get
from litestar.testing import TestClient

from base.logging import HEAD, correlation_id, setup_logging
from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.store import MemoryEventStore
from gateway.edge import Gateway
from gateway.path_params import UserId
from gateway.principal import Principal
from tests.unit.test_policies import pending, run_policies, stored
from tests.unit.test_reward_request_commands import promotion


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The lines the process would write to stderr, parsed; each must be one JSON object with the common keys."""
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    setup_logging("gateway", "info")

    def lines() -> list[dict[str, Any]]:
        parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
        assert all(list(line)[:len(HEAD)] == list(HEAD) for line in parsed)
        return parsed

    yield lines
    logging.getLogger().handlers.clear()


def test_a_stdlib_line_and_a_structlog_line_have_the_same_shape(log_lines):
    token = correlation_id.set("corr-1")
    try:
        logging.getLogger("ledger.old").info("stored %d events", 3)
        structlog.get_logger("ledger.new").info("stored", count=3)
        structlog.get_logger("ledger.new").debug("below the level")
    finally:
        correlation_id.reset(token)
    old, new = log_lines()
    assert old == {"ts": old["ts"], "level": "info", "service": "gateway", "logger": "ledger.old",
                   "msg": "stored 3 events", "correlationId": "corr-1"}
    assert new == {"ts": new["ts"], "level": "info", "service": "gateway", "logger": "ledger.new", "msg": "stored",
                   "correlationId": "corr-1", "count": 3}
    assert old["ts"].endswith("Z") and old["ts"][:4].isdigit()  # ISO 8601, UTC


def test_an_exception_is_a_field_of_one_line_from_either_library(log_lines):
    for logger in (logging.getLogger("ledger.old"), structlog.get_logger("ledger.new")):
        try:
            raise KeyError("a bug")
        except KeyError:
            logger.exception("batch failed")
    lines = log_lines()
    assert len(lines) == 2 and all(line["level"] == "error" and line["correlationId"] is None for line in lines)
    assert all("Traceback" in line["exc"] and "KeyError: 'a bug'" in line["exc"] for line in lines)


async def test_every_command_is_one_line_with_its_outcome_stream_and_ids(log_lines):
    store = MemoryEventStore()
    caller = Caller(uuid.uuid4().hex, via="gateway", correlation_id="corr-2", causation_id="event-9")
    await dispatch("RegisterUser", {"email": "a@b.co", "password": "handler-pass-1"}, caller, store)
    seeded = Caller(uuid.uuid4().hex, correlation_id="seed-demo")  # a CLI's own (in-process): DEBUG, not logged
    await dispatch("RegisterUser", {"email": "c@d.co", "password": "handler-pass-1"}, seeded, store)
    refused = Caller(uuid.uuid4().hex, Actor("u1", frozenset({"USER"})), via="gateway", correlation_id="corr-3")
    await dispatch("CreatePromotion", {"name": "E", "periodStart": "2026-12-01T00:00:00Z"}, refused, store)
    ok, forbidden = (line for line in log_lines() if line["msg"] == "command")
    assert {k: ok[k] for k in ("command", "outcome", "version", "position", "correlationId", "causationId",
                               "commandId")} == {"command": "RegisterUser", "outcome": "ok", "version": 1,
                                                 "position": 1, "correlationId": "corr-2",
                                                 "causationId": "event-9", "commandId": caller.command_id}
    assert ok["streamId"].startswith("User-") and ok["durationMs"] >= 0
    assert (forbidden["outcome"], forbidden["actor"], forbidden["streamId"]) == ("forbidden", "u1", None)
    assert forbidden["correlationId"] == "corr-3" and correlation_id.get() is None  # reset after the command


def test_every_request_is_one_line_even_unrouted_and_probes_stay_below_info(log_lines):
    def signed_in(app: Any) -> Any:  # what gateway/auth/bearer.py does for a valid token
        async def middleware(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("state", {})["principal"] = Principal("user-7", frozenset({"USER"}))
            await app(scope, receive, send)
        return middleware

    @get("/users/{id:str}")
    async def user(user_id: UserId) -> str:
        return user_id

    @get("/health/live")
    async def live() -> str:
        return "ok"

    app = Gateway([user, live], middleware=[signed_in], logging_config=None)
    with TestClient(app) as client:
        answer = client.get("/users/42", headers={"X-Correlation-Id": "corr-4"})
        assert answer.headers["X-Correlation-Id"] == "corr-4"
        client.get("/health/live")
        assert client.get("/nowhere").headers["X-Correlation-Id"]  # before routing, too
    line, unmatched = (line for line in log_lines() if line["msg"] == "request")
    assert {k: line[k] for k in ("method", "path_template", "path", "status", "userId", "correlationId")} == {
        "method": "GET", "path_template": "/users/{id}", "path": "/users/42", "status": 200,
        "userId": "user-7", "correlationId": "corr-4"}
    assert line["durationMs"] >= 0 and line["logger"] == "ledger.gateway.requests"
    assert (unmatched["path_template"], unmatched["path"], unmatched["status"]) == ("unmatched", "/nowhere", 404)


async def test_a_policy_follow_up_keeps_the_correlation_id_of_the_request_that_triggered_it(log_lines):
    store = MemoryEventStore()
    event_id, reward_id = await promotion(store)
    await pending(store, event_id, reward_id, "u1")  # a request the detach rejects through the policy
    detach = Caller(uuid.uuid4().hex, Actor("op-1", frozenset({"OPERATOR"})), correlation_id="corr-detach")
    assert (await dispatch("DetachReward", {"eventId": event_id, "rewardId": reward_id}, detach, store)).ok
    trigger = (await stored(store))[-1]
    await run_policies(store)
    follow_up = [e for e in await stored(store) if e.position > trigger.position]
    assert follow_up and all(e.correlation_id == "corr-detach" for e in follow_up)
    [line] = [line for line in log_lines() if line["msg"] == "command" and line["via"] == "policy"]
    assert (line["correlationId"], line["causationId"]) == ("corr-detach", trigger.event_id)
    assert {e.causation_id for e in follow_up} == {line["commandId"]}
