"""Every projection the platform runs, by name (the replay CLI and the gateway look them up here)."""

from __future__ import annotations

from projections.base import Projection
from projections.users import UsersProjection


def all_projections() -> dict[str, Projection]:
    projections: list[Projection] = [UsersProjection()]
    return {p.name: p for p in projections}
