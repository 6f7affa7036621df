"""Litestar dependencies: controllers receive the bus and read models as parameters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request
from litestar.di import Provide
from litestar.params import QueryParameter

from gateway.bus import CommandBus
from gateway.readmodels import ReadModels
from gateway.state import GatewayState


def gateway_state(request: Request[Any, Any, Any]) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


async def provide_bus(request: Request[Any, Any, Any]) -> CommandBus:
    return gateway_state(request).bus


Consistency = Literal["read-your-writes", "eventual"]


async def provide_read_models(
    request: Request[Any, Any, Any],
    consistency: Annotated[Consistency, QueryParameter(
        required=False,
        description="`read-your-writes` (default): the answer reflects every write acknowledged before this request, "
                    "whoever made it; the gateway waits up to about 1 s for that, then answers anyway with header "
                    "`Ledger-Lag: <events>` (how many acknowledged events it may miss). `eventual`: answer at once "
                    "from the read models as they are.")] = "read-your-writes",
) -> ReadModels:
    """The read models bound to this request: its consistency, and where its `Ledger-Lag` is noted."""
    request_state = request.scope.setdefault("state", {})
    return gateway_state(request).read_models.for_request(request_state, eventual=consistency == "eventual")


async def provide_min_position(  # the parameter must not share the dependency's name (Litestar recurses)
    position: Annotated[int | None, QueryParameter(
        name="minPosition", ge=0, required=False,
        description="Wait (at most 5 s) until the read models reached this Ledger-Position; 503 with Retry-After "
                    "otherwise.")] = None,
) -> int | None:
    return position


DEPENDENCIES = {
    "bus": Provide(provide_bus),
    "read_models": Provide(provide_read_models),
    "min_position": Provide(provide_min_position),
}
