"""Time as the platform writes it: UTC, millisecond precision (what MongoDB keeps), ISO-8601 with `Z` on the wire.

Read models keep times as these strings too: they sort and range-compare like the instants they name, read back the
same on MongoDB and on the stand-in (whose `$set` of a datetime on an existing document silently stores another
string format), and are exactly the API's format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def epoch_ms(at: datetime) -> int:
    """Whole milliseconds since 1970 (floor; a naive time is UTC, as `iso` takes it): the integer time keys of read
    models and of the audit. The stand-in compares integers in ranges as MongoDB does; sub-second datetimes it did
    not (`{at: {$lte: x}}` matched later commits)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(milliseconds=1)
