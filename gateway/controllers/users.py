"""Registration and user lookups under /auth."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from gateway.bus import CommandBus
from gateway.schemas import UserCreate, UserOut


class RegistrationController(Controller):
    path = "/auth"
    tags = ["auth"]

    @get("/test", operation_id="auth_test")
    async def auth_test(self) -> dict[str, str]:
        """Public health check of the auth service (kept from the original API)."""
        return {"status": "ok", "service": "auth"}

    @post("/users", operation_id="register_user", status_code=201, responses={201: ResponseSpec(UserOut)},
          summary="Register a user (gets the USER role)")
    async def register_user(self, data: JSONBody[UserCreate], request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "RegisterUser", data.model_dump(by_alias=True), status=201)

