"""Domain errors: a broken invariant raises one of these before any event is produced.

Expected business outcomes ("not eligible", "out of stock") are events, not errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; `path` is a JSON pointer into the request body."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        """As problem+json and command replies carry it."""
        return {"path": self.path, "message": self.message}


@dataclass
class DomainError(Exception):
    """Base of every rule the domain refuses; `code` is stable and machine-readable."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    code: str = "domain-error"

    def __str__(self) -> str:
        return self.detail


class InvalidInput(DomainError):
    """A well-formed request that breaks a rule (422)."""

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, errors or [], "invalid-input")


class NotFound(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], "not-found")


class Conflict(DomainError):
    """A duplicate (email taken, reward already requested) or a state that forbids the change (409)."""

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, errors or [], "conflict")


class Forbidden(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], "forbidden")


class Unauthorized(DomainError):
    """The caller could not be authenticated (bad credentials, a session that no longer holds) (401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], "unauthorized")


def escape_pointer(token: str) -> str:
    """Escape one JSON-pointer reference token (RFC 6901): `~` → `~0`, `/` → `~1`."""
    return token.replace("~", "~0").replace("/", "~1")


def json_pointer(loc: Iterable[object]) -> str:
    """A pydantic error location as a JSON pointer from the validated object's root (`""` is the root)."""
    return "".join(f"/{escape_pointer(str(part))}" for part in loc)


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic errors as FieldErrors whose paths are JSON pointers (RFC 6901) from the validated object's root."""
    return [FieldError(json_pointer(e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]
