"""The authenticated caller, as the auth middleware puts it into the request scope."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[str]
    email: str | None = None
