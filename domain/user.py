"""The User aggregate: registration, roles, logins. Emails are unique case-insensitively (a store claim)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from domain.aggregate import Aggregate
from domain.clock import iso
from domain.errors import Conflict, FieldError, InvalidInput
from domain.events import DomainEvent

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128


class Role(StrEnum):
    USER = "USER"
    OPERATOR = "OPERATOR"
    AUDITOR = "AUDITOR"
    ADMIN = "ADMIN"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_claim(email: str) -> str:
    """The store claim that makes an email unique across all User streams."""
    return f"email:{normalise_email(email)}"


def validate_registration(email: str, password: str) -> None:
    """Password policy and email shape; raises InvalidInput with a path per broken rule."""
    errors: list[FieldError] = []
    if not EMAIL_RE.match(email.strip()) or len(email) > 254:
        errors.append(FieldError("/email", "must be a valid email address"))
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors.append(FieldError("/password", f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"))
    elif password.isalpha() or password.isdigit():
        errors.append(FieldError("/password", "must mix letters with digits or symbols"))
    if errors:
        raise InvalidInput("registration rejected", errors)


class UserRegistered(DomainEvent):
    AGGREGATE = "User"
    PRIVATE_FIELDS = frozenset({"passwordHash"})

    user_id: str
    email: str
    password_hash: str
    roles: list[Role]
    registered_at: datetime


class UserRolesChanged(DomainEvent):
    AGGREGATE = "User"

    user_id: str
    roles: list[Role]
    previous_roles: list[Role]


class UserLoggedIn(DomainEvent):
    AGGREGATE = "User"

    user_id: str
    logged_in_at: datetime


class LoginFailed(DomainEvent):
    """A wrong password for a known email (security event; the password is never recorded)."""

    AGGREGATE = "User"

    user_id: str
    failed_at: datetime


class RefreshTokenReused(DomainEvent):
    """A used refresh token was presented again: the gateway revoked the whole session (its family)."""

    AGGREGATE = "User"

    user_id: str
    detected_at: datetime


class UnknownLoginFailed(DomainEvent):
    """A login for an email nobody holds, on a stream of its own (`LoginAttempt-<id>`, written once without a
    read). The attempted email is not kept (data minimisation: it is often a typo of someone's real address, or a
    list an attacker sprays); the commit's correlation id leads to the gateway's log line of the request."""

    AGGREGATE = "LoginAttempt"

    attempt_id: str
    failed_at: datetime


class LoginAttempt(Aggregate):
    """A failed login for an unknown email: exists only to be written once."""

    def fail(self, at: datetime) -> None:
        self.trigger(UnknownLoginFailed(attempt_id=self.id, failed_at=at))

    def apply(self, event: DomainEvent) -> None:
        """Nothing to hold: no decision is ever made on an attempt."""


class User(Aggregate):
    """Holds what decisions about a user need: whether it exists, its roles and hash."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.email = ""
        self.password_hash = ""
        self.roles: list[Role] = []
        self.registered_at: datetime | None = None
        self.last_login_at: datetime | None = None

    def register(self, email: str, password_hash: str, at: datetime, roles: list[Role] | None = None) -> None:
        if self.exists:
            raise Conflict("user already registered")
        self.trigger(UserRegistered(user_id=self.id, email=normalise_email(email), password_hash=password_hash,
                                    roles=sorted(set(roles or [Role.USER])), registered_at=at))

    def change_roles(self, roles: list[Role]) -> None:
        new_roles = sorted(set(roles))
        if not new_roles:
            raise InvalidInput("a user needs at least one role", [FieldError("/roles", "must not be empty")])
        if new_roles != self.roles:
            self.trigger(UserRolesChanged(user_id=self.id, roles=new_roles, previous_roles=self.roles))

    def record_login(self, at: datetime) -> None:
        self.trigger(UserLoggedIn(user_id=self.id, logged_in_at=at))

    def record_failed_login(self, at: datetime) -> None:
        self.trigger(LoginFailed(user_id=self.id, failed_at=at))

    def record_refresh_reuse(self, at: datetime) -> None:
        self.trigger(RefreshTokenReused(user_id=self.id, detected_at=at))

    def apply(self, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                self.email, self.password_hash = event.email, event.password_hash
                self.roles, self.registered_at = list(event.roles), event.registered_at
            case UserRolesChanged():
                self.roles = list(event.roles)
            case UserLoggedIn():
                self.last_login_at = event.logged_in_at


def user_document(user: User) -> dict[str, object]:
    """The user as the `users` read model holds it: the one shape, which handlers answer with (from the aggregate)
    and the read model folds (from `UserRegistered`, `UserRolesChanged`, `UserLoggedIn`)."""
    return {"_id": user.id, "email": user.email, "roles": [str(r) for r in user.roles],
            "createdAt": iso(user.registered_at), "lastLoginAt": iso(user.last_login_at)}


def user_json(doc: dict[str, object]) -> dict[str, object]:
    """The API's `User` (SPEC: never a password or its hash)."""
    return {"id": doc["_id"], "email": doc["email"], "roles": doc["roles"], "createdAt": doc.get("createdAt"),
            "lastLoginAt": doc.get("lastLoginAt")}
