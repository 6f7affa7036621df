"""Issue 7 finding: a handler that raised was logged nowhere (the broker had no logger) and its caller waited for a
time-out. Now the error is logged once, with the command name and correlation id, and the caller gets a typed
`unavailable` reply at once (a 503 problem over HTTP)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from commands.context import Actor, CommandContext
from commands.handlers import COMMAND_HANDLERS
from commands.messages import Command, Ping
from commands.promotions import CreatePromotion
from tests.integration.bus_client import raw_command

pytestmark = pytest.mark.integration


async def broken(command: Command, ctx: CommandContext) -> dict[str, Any]:
    raise RuntimeError("disk on fire")


def failures(caplog: pytest.LogCaptureFixture, marker: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and marker in r.getMessage()]


async def test_a_crashing_handler_is_logged_once_and_answered(platform, monkeypatch, caplog) -> None:
    from commands.envelope import HEADER, EnvelopeSigner

    monkeypatch.setitem(COMMAND_HANDLERS, Ping, broken)
    envelope = EnvelopeSigner.from_settings().sign("Ping", b"{}", "crash-cmd-1", Actor(), "corr-crash-1")
    with caplog.at_level(logging.ERROR):
        reply = await raw_command(platform, "Ping", b"{}", {HEADER: envelope})
    assert reply["ok"] is False and reply["error"]["code"] == "unavailable"
    assert "corr-crash-1" in reply["error"]["detail"] and "disk on fire" not in reply["error"]["detail"]
    [record] = failures(caplog, "corr-crash-1")
    assert "Ping" in record.getMessage() and record.exc_info is not None


async def test_a_crashing_handler_is_a_503_problem_over_http(platform, auth, monkeypatch, caplog) -> None:
    monkeypatch.setitem(COMMAND_HANDLERS, CreatePromotion, broken)
    operator = await auth.headers("OPERATOR")
    with caplog.at_level(logging.ERROR):
        response = await platform.client.post("/events", headers={**operator, "X-Correlation-Id": "corr-http-1"},
                                              json={"name": "E", "periodStart": "2026-12-01T00:00:00Z"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert len(failures(caplog, "corr-http-1")) == 1
