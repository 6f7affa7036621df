"""Litestar dependencies: controllers receive the bus and read models as parameters."""

from __future__ import annotations

from typing import Annotated, Any

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


async def provide_read_models(request: Request[Any, Any, Any]) -> ReadModels:
    return gateway_state(request).read_models


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
