"""Users read model: lookups by id and email, and the user listing behind dashboards."""

from __future__ import annotations

from typing import Any, ClassVar

from domain.events import RecordedEvent
from domain.user import UserLoggedIn, UserRegistered, UserRolesChanged, normalise_email, user_json
from projections.base import Collection, Projection, SetChange, fold_sets, iso


class UsersProjection(Projection):
    name: ClassVar[str] = "users"
    handles: ClassVar[frozenset[str]] = frozenset({"UserRegistered", "UserRolesChanged", "UserLoggedIn"})
    indexes = (("email", True), ("createdAt", False))

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        await self.apply_batch(coll, [event])

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        """Every fold is a `$set`: one write per user per batch (projections/base.py `fold_sets`); a busy login
        period was one store write per login."""
        await fold_sets(coll, (change for event in events if (change := user_change(event)) is not None))


def user_change(event: RecordedEvent) -> SetChange | None:
    """The user an event changes, at its position, and the fields it sets."""
    match event.event:
        case UserRegistered() as e:
            return e.user_id, event.position, {"email": e.email, "roles": [str(r) for r in e.roles],
                                               "createdAt": iso(e.registered_at), "lastLoginAt": None}
        case UserRolesChanged() as e:
            return e.user_id, event.position, {"roles": [str(r) for r in e.roles]}
        case UserLoggedIn() as e:
            return e.user_id, event.position, {"lastLoginAt": iso(e.logged_in_at)}
    return None


#: The one rendering of a user, which the handlers answer with too.
to_json = user_json


async def find_by_id(coll: Collection, user_id: str) -> dict[str, Any] | None:
    """The rendered user, or None."""
    doc = await coll.find_one({"_id": user_id})
    return None if doc is None else to_json(doc)


async def find_by_email(coll: Collection, email: str) -> dict[str, Any] | None:
    """The rendered user with this email (any case), or None."""
    doc = await coll.find_one({"email": normalise_email(email)})
    return None if doc is None else to_json(doc)
