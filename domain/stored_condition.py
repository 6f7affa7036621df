"""Rules as stored in event payloads: `{"version": <language version>, "rule": {...}}`. A rule is parsed (and so
validated) when written, stored with the language version it was written in, and upcast to the current version
whenever it is read back, so a later language version needs no migration of stored events."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.conditions import (
    LANGUAGE_VERSION,
    Condition,
    ConditionError,
    condition_to_json,
    parse_condition,
    upcast_condition,
)


class StoredCondition(BaseModel):
    """A rule as stored in an event payload, with the language version it was written in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    rule: dict[str, Any]


def read_condition(raw: object, path: str) -> Condition | None:
    """Parse a rule from a request; errors point into the request body under `path` (e.g. "/condition")."""
    try:
        return parse_condition(raw)
    except ConditionError as exc:
        raise exc.at(path) from None


def store_condition(condition: Condition | None) -> StoredCondition | None:
    rule = condition_to_json(condition)
    return None if rule is None else StoredCondition(version=LANGUAGE_VERSION, rule=rule)


def load_condition(stored: StoredCondition | None) -> Condition | None:
    """Upcast a stored rule to the current language version, then parse it (it was valid when written)."""
    return None if stored is None else parse_condition(upcast_condition(stored.rule, stored.version))
