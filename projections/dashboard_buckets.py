"""Time buckets of the dashboards (docs/dashboards.md): UTC hours, UTC days and ISO weeks (Monday 00:00 UTC).

A bucket is named by a key that sorts as its start does (`h:2026-11-25T10`, `d:2026-11-25`, `w:2026-11-23`). Its
counters are fields of a *page*, one document for the buckets of the next coarser unit (`page_of`): the hours of a
day (`h:2026-11-25`, slot `10`), the days of a month (`d:2026-11`, slot `25`), the weeks whose Monday falls in a
year (`w:2026`, slot `11-23`). So the longest timeline (1,000 buckets) reads at most ~42 documents, not 1,000, and a
batch of a catch-up moves a few dozen documents, not one per hour it touches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final

#: The most buckets one timeline may ask for: a year of days, 41 days of hours, 19 years of weeks.
MAX_BUCKETS: Final = 1000
#: The headline "active users" window: this many UTC days ending with today (today included).
ACTIVE_WINDOW_DAYS: Final = 30
#: Upper edges (seconds, inclusive) of the time-to-decision bins; the last bin is open (longer than a week).
DECISION_BINS: Final = (60, 300, 900, 3600, 14_400, 43_200, 86_400, 259_200, 604_800, None)


class Bucket(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


_STEP: Final = {Bucket.HOUR: timedelta(hours=1), Bucket.DAY: timedelta(days=1), Bucket.WEEK: timedelta(weeks=1)}


def utc(at: datetime) -> datetime:
    """`at` in UTC; a naive time is taken as UTC (as the store's times are)."""
    if at.tzinfo is not None and not at.utcoffset():  # nearly every time a fold sees: skip the conversion
        return at
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def floor(at: datetime, bucket: Bucket) -> datetime:
    """The start of the bucket holding `at`."""
    at = utc(at)
    if bucket is Bucket.HOUR:
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if bucket is Bucket.DAY else day - timedelta(days=day.weekday())


def key(at: datetime, bucket: Bucket) -> str:
    """The key of the bucket holding `at` (see the module docstring)."""
    start = floor(at, bucket)
    date = f"{start.year:04d}-{start.month:02d}-{start.day:02d}"
    return f"h:{date}T{start.hour:02d}" if bucket is Bucket.HOUR else f"{bucket.value[0]}:{date}"


def keys(at: datetime) -> tuple[str, str, str]:
    """The hour, day and week keys of `at`: what a fold asks for every event, computed once per hour (most of a
    batch's events share a few hours)."""
    at = utc(at)
    return _keys_of_hour(at.year, at.month, at.day, at.hour)


@lru_cache(maxsize=4096)
def _keys_of_hour(year: int, month: int, day: int, hour: int) -> tuple[str, str, str]:
    at = datetime(year, month, day, hour, tzinfo=UTC)
    return key(at, Bucket.HOUR), key(at, Bucket.DAY), key(at, Bucket.WEEK)


@lru_cache(maxsize=8192)
def page_of(bucket_key: str) -> tuple[str, str]:
    """The page document holding bucket `bucket_key`'s counters and the bucket's slot in it (module docstring):
    the key cut before its last part (hour, day of month, month-day of the week's Monday)."""
    cut = {"h": 12, "d": 9, "w": 6}[bucket_key[0]]
    return bucket_key[:cut], bucket_key[cut + 1:]


@lru_cache(maxsize=16384)
def cell(bucket_key: str, column: str) -> str:
    """The counter of `column` in bucket `bucket_key`: `<page>#<column>@<slot>` (projections/counts.py moves)."""
    page, slot = page_of(bucket_key)
    return f"{page}#{column}@{slot}"


@lru_cache(maxsize=1024)
def week_days(week_key: str) -> tuple[str, ...]:
    """The day keys of the ISO week `week_key` (Monday to Sunday)."""
    monday = datetime.fromisoformat(week_key[2:]).replace(tzinfo=UTC)
    return tuple(key(monday + timedelta(days=n), Bucket.DAY) for n in range(7))


def starts(first: datetime, last: datetime, bucket: Bucket) -> list[datetime]:
    """The starts of every bucket from the one holding `first` to the one holding `last`, both included."""
    at, end, step = floor(first, bucket), floor(last, bucket), _STEP[bucket]
    out: list[datetime] = []
    while at <= end:
        out.append(at)
        at += step
    return out


def labelled(first: datetime, last: datetime, bucket: Bucket) -> list[tuple[str, str]]:
    """`(key, start as the API writes it)` of every bucket `starts` lists: both formatted at once from the start,
    as a 1,000-bucket timeline spent more time in `key` and `iso` than in reading its pages."""
    out: list[tuple[str, str]] = []
    for at in starts(first, last, bucket):
        date = f"{at.year:04d}-{at.month:02d}-{at.day:02d}"
        if bucket is Bucket.HOUR:
            out.append((f"h:{date}T{at.hour:02d}", f"{date}T{at.hour:02d}:00:00.000Z"))
        else:
            out.append((f"{bucket.value[0]}:{date}", f"{date}T00:00:00.000Z"))
    return out


def count(first: datetime, last: datetime, bucket: Bucket) -> int:
    """How many buckets `starts` would list, without listing them (to refuse a range too long cheaply)."""
    return (floor(last, bucket) - floor(first, bucket)) // _STEP[bucket] + 1


def decision_bin(seconds: float) -> int:
    """The index of the time-to-decision bin holding `seconds`."""
    for index, edge in enumerate(DECISION_BINS):
        if edge is None or seconds <= edge:
            return index
    raise AssertionError("the last bin is open")


def percentile_edge(bins: list[int], fraction: float) -> int | None:
    """The upper edge of the bin where the `fraction` quantile falls (the smallest edge with at least
    ceil(fraction * n) decisions at or below it); None when it is the open bin or there is nothing."""
    total = sum(bins)
    if total == 0:
        return None
    rank, seen = -(-int(fraction * 1000) * total // 1000), 0
    for edge, n in zip(DECISION_BINS, bins, strict=True):
        seen += n
        if seen >= max(rank, 1):
            return edge
    return None
