"""Users with ids a test chooses ("alice"), stored straight into the event store: activity reports are refused for
users that do not exist, and tests that speak of players by name need those players registered."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.store.base import EventStore, NewCommit
from domain.user import User, email_claim


async def register_users(store: EventStore, *user_ids: str) -> None:
    for user_id in user_ids:
        user = User(user_id)
        email = f"{user_id}@players.test"
        user.register(email, "not-a-hash", datetime.now(UTC))
        await store.append(NewCommit(User.stream_id(user_id), 0, user.collect_events(), claim=email_claim(email)))
