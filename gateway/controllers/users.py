"""Registration, and the ADMIN's user lookups and role changes, under /auth/users."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from domain.user import normalise_email
from gateway.auth.session import client_address, provide_auth
from gateway.bus import CommandBus, json_response
from gateway.docs import BODY, BUS, GUARDED, READ, WRITE, answer, problem_responses
from gateway.guards import requires_admin
from gateway.path_params import UserId
from gateway.problems import NotFound
from gateway.readmodels import ReadModels
from gateway.schemas import RolesIn, StatusOut, UserCreate, UserOut
from projections.users import user_doc_to_json


class RegistrationController(Controller):
    path = "/auth"
    tags = ["auth"]

    @get("/test", operation_id="auth_test", responses=answer(StatusOut, "The auth service is up"))
    async def auth_test(self) -> dict[str, str]:
        """Public health check of the auth service (kept from the original API)."""
        return {"status": "ok", "service": "auth"}

    @post("/users", operation_id="register_user", status_code=201, summary="Register a user (gets the USER role)",
          responses={**answer(UserOut, "The registered user", 201),
                     **problem_responses(*BODY, *WRITE, *BUS, 409, 429)})
    async def register_user(self, data: JSONBody[UserCreate], request: Request[Any, Any, Any],
                            bus: NamedDependency[CommandBus]) -> Response[bytes]:
        async with provide_auth(request).registrations.attempt(client_address(request)):
            return await bus.execute(request, "RegisterUser", data.model_dump(by_alias=True), status=201)


async def find_user(read_models: ReadModels, min_position: int | None, query: dict[str, Any]) -> Response[bytes]:
    """One user from the users read model as JSON, or 404."""
    users = await read_models.collection("users", min_position)
    doc = await users.find_one(query)
    if doc is None:
        raise NotFound("user not found" + ("" if min_position else "; pass ?minPosition= to read your own writes"))
    return json_response(user_doc_to_json(doc))


_ROLES_CHANGED = {**answer(UserOut, "The updated user"), **problem_responses(*GUARDED, *BODY, *WRITE, *BUS, 404)}
_FOUND = {**answer(UserOut, "The user"), **problem_responses(*GUARDED, *READ, 404)}


class UserAdminController(Controller):
    """User lookups and role management: ADMIN only (the ChangeUserRoles handler checks the role again)."""

    path = "/auth/users"
    tags = ["users"]
    guards = [requires_admin]
    security = [{"bearer": []}]

    @get("/email", operation_id="get_user_by_email", summary="Find a user by email (ADMIN)",
         responses=_FOUND)
    async def get_user_by_email(
        self, read_models: NamedDependency[ReadModels], min_position: NamedDependency[int | None],
        email: Annotated[str, QueryParameter(min_length=1, max_length=254, description="the email, any case")],
    ) -> Response[bytes]:
        return await find_user(read_models, min_position, {"email": normalise_email(email)})

    @get("/{id:str}", operation_id="get_user", summary="Get a user by id (ADMIN)",
         responses=_FOUND)
    async def get_user(self, user_id: UserId, read_models: NamedDependency[ReadModels],
                       min_position: NamedDependency[int | None]) -> Response[bytes]:
        return await find_user(read_models, min_position, {"_id": user_id})

    @patch("/{id:str}/roles", operation_id="change_user_roles", summary="Set a user's roles (ADMIN)",
           responses=_ROLES_CHANGED)
    async def change_user_roles(self, user_id: UserId, data: JSONBody[RolesIn], request: Request[Any, Any, Any],
                                bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "ChangeUserRoles", {"userId": user_id, "roles": [str(r) for r in data.roles]})

    @put("/{id:str}/roles", operation_id="replace_user_roles", summary="Set a user's roles (ADMIN; as PATCH)",
         responses=_ROLES_CHANGED)
    async def replace_user_roles(self, user_id: UserId, data: JSONBody[RolesIn], request: Request[Any, Any, Any],
                                 bus: NamedDependency[CommandBus]) -> Response[bytes]:
        return await bus.execute(request, "ChangeUserRoles", {"userId": user_id, "roles": [str(r) for r in data.roles]})
