"""Refresh-token reuse as a security event: the gateway detects it (gateway/auth/refresh.py, in Redis) and sends
`ReportRefreshTokenReuse` over the bus, so `RefreshTokenReused` is stored on the user's stream and shows in the
audit. Recording is best effort: the caller's answer is the 401 either way, never a 500; a failure is logged."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request

from gateway.auth.refresh import RefreshTokenReuse
from gateway.bus import CommandBus
from gateway.problems import AppError

log = logging.getLogger("ledger.auth")


async def report_reuse(bus: CommandBus, request: Request[Any, Any, Any], reuse: RefreshTokenReuse) -> None:
    try:
        await bus.send(request, "ReportRefreshTokenReuse", {"userId": reuse.user_id})
    except Exception as exc:  # refused, bus down (Unavailable), anything: the answer must stay the 401
        log.warning("refresh-token reuse of user %s not recorded: %s", reuse.user_id, exc,
                    exc_info=not isinstance(exc, AppError))
