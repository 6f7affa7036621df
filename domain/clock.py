"""Time as the platform writes it: UTC, millisecond precision (what MongoDB keeps), ISO-8601 with `Z` on the wire.

Read models keep times as these strings too: they sort and range-compare like the instants they name, read back the
same on MongoDB and on the stand-in (whose `$set` of a datetime on an existing document silently stores another
string format), and are exactly the API's format."""

from __future__ import annotations

from datetime import UTC, datetime


def now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    # strftime's %Y does not pad years before 1000 on glibc ("500-01-01"), which is neither ISO 8601 nor sortable
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def to_ms(value: datetime) -> datetime:
    """`value` in UTC, cut to the millisecond the store keeps (so an answer equals what is read back later)."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
