"""Identity use cases: registration, login, role changes, session refresh, and the CLI's admin bootstrap.

Login and refresh read the User stream itself (found through the email claim), never the users read model: a user
can log in the moment registration returns, and a refresh sees a role change the moment it is stored."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from commands.activities import remember_user
from commands.context import CommandContext
from commands.messages import GATEWAY, IN_PROCESS, PUBLIC, Access, Command, Fields
from commands.passwords import hash_password, verify_password
from commands.store.base import ClaimTaken, ConcurrencyError
from domain.errors import Conflict, Forbidden, NotFound, Unauthorized
from domain.types import SingleLine
from domain.user import LoginAttempt, Role, User, email_claim, user_document, user_json, validate_registration

INVALID_CREDENTIALS = "invalid email or password"
#: Loaded when the email is unknown, so a miss makes the same store round trips as a wrong password.
_NOBODY = "0" * 32


class Registration(Fields):
    """The body of `POST /auth/users`; the rules beyond the schema are `validate_registration`'s."""

    email: SingleLine = Field(min_length=3, max_length=254, examples=["player@example.com"])
    password: str = Field(min_length=1, max_length=256, examples=["correct-horse-battery-9"])


class Credentials(Fields):
    """The body of `POST /auth/login`."""

    email: SingleLine = Field(min_length=1, max_length=254, examples=["player@example.com"])
    password: str = Field(min_length=1, max_length=256, examples=["correct-horse-battery-9"])


class RoleSet(Fields):
    """The body of `PATCH`/`PUT /auth/users/{id}/roles`."""

    roles: list[Role] = Field(max_length=16, examples=[["USER", "OPERATOR"]])


class RegisterUser(Command, Registration):
    ACCESS = PUBLIC


class LogIn(Command, Credentials):
    ACCESS = PUBLIC  # from the gateway only, which throttles failed logins per account and address


class ChangeUserRoles(Command, RoleSet):
    """Replace a user's role set (ADMIN only)."""

    ACCESS = Access(roles=frozenset({Role.ADMIN}))

    user_id: str = Field(min_length=1, max_length=64)


class RefreshSession(Command):
    """May the session of `user_id` go on, and with which roles now? Appends nothing. Public: the gateway sends it
    after checking the refresh token, which is the caller's only credential then."""

    ACCESS = PUBLIC

    user_id: str = Field(min_length=1, max_length=64)


class ReportRefreshTokenReuse(Command):
    """The gateway saw a used refresh token presented again (and revoked its session): record it on the user's
    stream, for the audit. Sent by the gateway only, anonymously (the stolen token is all the caller had)."""

    ACCESS = Access(public=True, callers=frozenset({GATEWAY}))

    user_id: str = Field(min_length=1, max_length=64)


class CreateAdmin(Command, Registration):
    """The first ADMIN: sent only by `reward-ledger admin create`, never subscribed on NATS (see CLI_HANDLERS)."""

    ACCESS = Access(public=True, callers=frozenset({IN_PROCESS}))


def user_view(user: User) -> dict[str, Any]:
    """The user's one shape, as the read model will render it."""
    return user_json(user_document(user))


def _new_user_id(ctx: CommandContext) -> str:
    """Derived from the command id, so a retried command creates the same user."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"user:{ctx.command_id}").hex


async def _user_by_email(ctx: CommandContext, email: str) -> User:
    """The user holding `email` (an empty, non-existent User when nobody does)."""
    stream = await ctx.store.stream_of_claim(email_claim(email))
    user_id = stream.split("-", 1)[1] if stream and stream.startswith("User-") else _NOBODY
    return await ctx.load(User, user_id)


async def register_user(command: RegisterUser, ctx: CommandContext) -> dict[str, Any]:
    validate_registration(command.email, command.password)
    user = User(_new_user_id(ctx))
    user.register(command.email, await hash_password(command.password), ctx.clock())
    result = await ctx.save(user, claim=email_claim(command.email))
    if result and result.duplicate:  # a retried command: answer with what was stored the first time
        user = await ctx.load(User, user.id)
    remember_user(ctx.store, user.id)  # its activity reports then skip reading its stream
    return user_view(user)


async def log_in(command: LogIn, ctx: CommandContext) -> dict[str, Any]:
    """Unknown email and wrong password are the same error after the same work: one stream read, one hash verified
    (a dummy one for nobody), one append recording the failure (for the audit). The gateway throttles failures
    before they get here, so they cannot flood the store."""
    user = await _user_by_email(ctx, command.email)
    if not await verify_password(user.password_hash if user.exists else None, command.password):
        await _record_failed_login(ctx, user)
        raise Unauthorized(INVALID_CREDENTIALS)
    user.record_login(ctx.clock())
    await ctx.save(user)
    return user_view(user)


async def _record_failed_login(ctx: CommandContext, user: User) -> None:
    """On the user's stream; for an unknown email on a new `LoginAttempt-<id>` stream (id from the command id, so a
    retried command stores it once), appended at version 0 without a read."""
    if user.exists:
        user.record_failed_login(ctx.clock())
        await ctx.save(user)
        return
    attempt = LoginAttempt(uuid.uuid5(uuid.NAMESPACE_URL, f"login-attempt:{ctx.command_id}").hex)
    attempt.fail(ctx.clock())
    await ctx.save(attempt)


async def report_refresh_token_reuse(command: ReportRefreshTokenReuse, ctx: CommandContext) -> dict[str, Any]:
    """Records `RefreshTokenReused`; a user that no longer exists records nothing."""
    user = await ctx.load(User, command.user_id)
    if not user.exists:
        return {"recorded": False}
    user.record_refresh_reuse(ctx.clock())
    await ctx.save(user)
    return {"recorded": True}


async def change_user_roles(command: ChangeUserRoles, ctx: CommandContext) -> dict[str, Any]:
    if Role.ADMIN not in ctx.actor.roles:  # the gateway guard checks too; this holds for any other sender
        raise Forbidden("changing roles requires the ADMIN role")
    user = await ctx.load(User, command.user_id)
    if not user.exists:
        raise NotFound("user not found")
    if user.id == ctx.actor.user_id and Role.ADMIN in user.roles and Role.ADMIN not in command.roles:
        raise Conflict("an admin cannot remove their own ADMIN role; ask another admin")
    user.change_roles(list(command.roles))
    await ctx.save(user)
    return user_view(user)


async def refresh_session(command: RefreshSession, ctx: CommandContext) -> dict[str, Any]:
    user = await ctx.load(User, command.user_id)
    if not user.exists:
        raise Unauthorized("the session's user no longer exists")
    return user_view(user)


async def create_admin(command: CreateAdmin, ctx: CommandContext) -> dict[str, Any]:
    """Register the email with ADMIN and USER; an email already registered is promoted (its password is kept)."""
    validate_registration(command.email, command.password)
    user = await _user_by_email(ctx, command.email)
    if user.exists:
        user.change_roles([*user.roles, Role.ADMIN])
        await ctx.save(user)
        return {**user_view(user), "created": False}
    user = User(_new_user_id(ctx))
    user.register(command.email, await hash_password(command.password), ctx.clock(), roles=[Role.ADMIN, Role.USER])
    try:
        result = await ctx.save(user, claim=email_claim(command.email))
    except ClaimTaken as exc:  # registered meanwhile: run again, which promotes it
        raise ConcurrencyError(user.stream_id(user.id), 0) from exc
    if result and result.duplicate:
        user = await ctx.load(User, user.id)
    return {**user_view(user), "created": True}


IDENTITY_HANDLERS: dict[type[Command], Any] = {
    RegisterUser: register_user,
    LogIn: log_in,
    ChangeUserRoles: change_user_roles,
    RefreshSession: refresh_session,
    ReportRefreshTokenReuse: report_refresh_token_reuse,
}
#: Run in-process by the CLI against the store; kept out of COMMAND_HANDLERS so no NATS subject can create an ADMIN.
CLI_HANDLERS: dict[type[Command], Any] = {CreateAdmin: create_admin}
