"""Registration, and the ADMIN's user lookups and role changes, under /auth/users."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from gateway.answers import not_found, written
from gateway.auth.session import client_address, provide_auth
from gateway.bus import CommandBus
from gateway.controllers.base import BearerController
from gateway.docs import BODY, BUS, GUARDED, READ, WRITE, WRITE_HEADERS, problem_responses
from gateway.guards import requires_admin
from gateway.path_params import UserId
from gateway.readmodels import ReadModels
from gateway.resources.health import StatusOut
from gateway.resources.users import UserOut
from gateway.schemas import RolesIn, UserCreate
from projections import users


class RegistrationController(Controller):
    path = "/auth"
    tags = ["auth"]

    @get("/test", operation_id="auth_test", response_description="The auth service is up")
    async def auth_test(self) -> StatusOut:
        """Public health check of the auth service (kept from the original API)."""
        return StatusOut(status="ok", service="auth")

    @post("/users", operation_id="register_user", status_code=201, summary="Register a user (gets the USER role)",
          response_description="The registered user", response_headers=WRITE_HEADERS,
          responses=problem_responses(*BODY, *WRITE, *BUS, 409, 429))
    async def register_user(self, data: JSONBody[UserCreate], request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[UserOut]:
        async with provide_auth(request).registrations.attempt(client_address(request)):
            return written(UserOut, await bus.send(request, "RegisterUser", data.model_dump(by_alias=True)), 201)


async def find_user(read_models: ReadModels, min_position: int | None, *, user_id: str | None = None,
                    email: str | None = None) -> UserOut:
    """One user from the users read model, by id or by email, or 404."""
    coll = await read_models.collection("users", min_position)
    user = await (users.find_by_id(coll, user_id) if user_id is not None else users.find_by_email(coll, email or ""))
    if user is None:
        raise not_found("user", min_position)
    return UserOut.model_validate(user)


_ROLES_CHANGED: dict[str, Any] = {"response_description": "The updated user", "response_headers": WRITE_HEADERS,
                                  "responses": problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404)}
_FOUND: dict[str, Any] = {"response_description": "The user", "responses": problem_responses(*GUARDED, *READ, 404)}


class UserController(BearerController):
    """User lookups and role management: ADMIN only (the ChangeUserRoles handler checks the role again)."""

    path = "/auth/users"
    tags = ["users"]
    guards = [requires_admin]

    @get("/email", operation_id="get_user_by_email", summary="Find a user by email (ADMIN)", **_FOUND)
    async def get_user_by_email(
        self, read_models: NamedDependency[ReadModels], min_position: NamedDependency[int | None],
        email: Annotated[str, QueryParameter(min_length=1, max_length=254, description="the email, any case")],
    ) -> UserOut:
        return await find_user(read_models, min_position, email=email)

    @get("/{id:str}", operation_id="get_user", summary="Get a user by id (ADMIN)", **_FOUND)
    async def get_user(self, user_id: UserId, read_models: NamedDependency[ReadModels],
                       min_position: NamedDependency[int | None]) -> UserOut:
        return await find_user(read_models, min_position, user_id=user_id)

    @patch("/{id:str}/roles", operation_id="change_user_roles", summary="Set a user's roles (ADMIN)",
           **_ROLES_CHANGED)
    async def change_user_roles(self, user_id: UserId, data: JSONBody[RolesIn], request: Request[Any, Any, Any],
                                bus: NamedDependency[CommandBus]) -> Response[UserOut]:
        return await self._set_roles(user_id, data, request, bus)

    @put("/{id:str}/roles", operation_id="replace_user_roles", summary="Set a user's roles (ADMIN; as PATCH)",
         **_ROLES_CHANGED)
    async def replace_user_roles(self, user_id: UserId, data: JSONBody[RolesIn], request: Request[Any, Any, Any],
                                 bus: NamedDependency[CommandBus]) -> Response[UserOut]:
        return await self._set_roles(user_id, data, request, bus)

    @staticmethod
    async def _set_roles(user_id: str, data: RolesIn, request: Request[Any, Any, Any],
                         bus: CommandBus) -> Response[UserOut]:
        reply = await bus.send(request, "ChangeUserRoles", {"userId": user_id, "roles": [str(r) for r in data.roles]})
        return written(UserOut, reply)
