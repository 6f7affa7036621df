"""Identity use cases: registration (and, with the identity issue, login and roles)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from commands.context import CommandContext
from commands.messages import Command
from commands.passwords import hash_password
from domain.clock import iso
from domain.user import User, email_claim, validate_registration


class RegisterUser(Command):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


def user_view(user: User) -> dict[str, Any]:
    """The public shape of a user (SPEC: never a password or hash)."""
    return {"id": user.id, "email": user.email, "roles": [str(r) for r in user.roles],
            "createdAt": iso(user.registered_at), "lastLoginAt": iso(user.last_login_at)}


async def register_user(command: RegisterUser, ctx: CommandContext) -> dict[str, Any]:
    validate_registration(command.email, command.password)
    user = User(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{ctx.command_id}").hex)
    user.register(command.email, await hash_password(command.password), ctx.clock())
    result = await ctx.save(user, claim=email_claim(command.email))
    if result and result.duplicate:  # a retried command: answer with what was stored the first time
        user = await ctx.load(User, user.id)
    return user_view(user)


IDENTITY_HANDLERS: dict[type[Command], Any] = {
    RegisterUser: register_user,
}
