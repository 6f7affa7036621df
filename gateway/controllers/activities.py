"""`POST /activities`: a user activity fact, from an OPERATOR/ADMIN or from a service (game server) holding the
service token (`SERVICE_TOKEN`, sent as `Authorization: Bearer <token>`).

The token is checked here, in the route's guard: the auth middleware only knows JWTs, so for the service token it
leaves no principal, and this guard then compares the header to the configured token in constant time. Game
servers may use the NATS subject `rewards.activity.<kind>` instead (brokers/activity_ingest.py)."""

from __future__ import annotations

import hmac
from typing import Any, Final

from litestar import Request, Response, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody

from domain.activity_record import ActivityReport, report_json
from gateway.answers import written
from gateway.bus import CommandBus
from gateway.controllers.base import BearerController
from gateway.docs import BODY, BUS, GUARDED, WRITE, WRITE_HEADERS, problem_responses
from gateway.guards import requires_operator
from gateway.principal import Principal
from gateway.resources.activities import ActivityAccepted

SERVICE_ROLE: Final = "SERVICE"
SERVICE_PRINCIPAL: Final = Principal("service", frozenset({SERVICE_ROLE}))


def _service_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    auth = getattr(connection.app.state, "auth", None)
    return str(getattr(getattr(auth, "settings", None), "service_token", "") or "")


async def requires_operator_or_service(connection: ASGIConnection[Any, Any, Any, Any],
                                      handler: BaseRouteHandler) -> None:
    """OPERATOR/ADMIN by JWT, or the service token (then the caller is the `service` principal)."""
    state = connection.scope.setdefault("state", {})
    principal = state.get("principal")
    if principal is not None and SERVICE_ROLE in principal.roles:
        return
    token = _service_token(connection)
    scheme, _, credentials = (connection.headers.get("authorization") or "").strip().partition(" ")
    if principal is None and token and scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), token.encode()):
        state["principal"] = SERVICE_PRINCIPAL
        state.pop("auth_error", None)
        return
    await requires_operator(connection, handler)


class ActivityController(BearerController):
    path = "/activities"
    tags = ["activities"]

    @post("/", guards=[requires_operator_or_service], operation_id="record_activity", status_code=202,
          summary="Record a user activity fact (OPERATOR/ADMIN or the service token); the same id twice is "
                  "stored once",
          response_description="Recorded (or already recorded: `duplicate: true`)", response_headers=WRITE_HEADERS,
          responses=problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404))
    async def record_activity(self, data: JSONBody[ActivityReport], request: Request[Any, Any, Any],
                              bus: NamedDependency[CommandBus]) -> Response[ActivityAccepted]:
        reply = await bus.send(request, "RecordActivity", {"activity": report_json(data), "source": "http"})
        return written(ActivityAccepted, reply, 202)
