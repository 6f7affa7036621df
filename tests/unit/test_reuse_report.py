"""Recording a refresh-token reuse is best effort: when the command cannot be sent or is refused, the caller still
gets its 401 (the route re-raises the reuse), and the failure is logged, never raised as a 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gateway.auth.refresh import RefreshTokenReuse
from gateway.auth.reuse import report_reuse
from gateway.problems import Unavailable


class FailingBus:
    def __init__(self, error: Exception) -> None:
        self.error, self.sent = error, []

    async def send(self, request: Any, name: str, payload: dict[str, Any]) -> Any:
        self.sent.append((name, payload))
        raise self.error


@pytest.mark.parametrize("error", [Unavailable("no handler answered"), RuntimeError("broken")])
async def test_a_reuse_that_cannot_be_recorded_is_logged_not_raised(error: Exception, caplog) -> None:
    bus, reuse = FailingBus(error), RefreshTokenReuse("u1")
    with caplog.at_level(logging.WARNING, logger="ledger.auth"):
        await report_reuse(bus, None, reuse)  # type: ignore[arg-type]
    assert bus.sent == [("ReportRefreshTokenReuse", {"userId": "u1"})]
    assert "u1 not recorded" in caplog.text and reuse.status == 401
