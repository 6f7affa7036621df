"""Dashboard bucket math (projections/dashboard_buckets.py): UTC hours, days, ISO weeks from Monday 00:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from domain.clock import iso
from projections.dashboard_buckets import (
    DECISION_BINS,
    MAX_BUCKETS,
    Bucket,
    count,
    decision_bin,
    floor,
    key,
    keys,
    labelled,
    page_of,
    percentile_edge,
    starts,
    week_days,
)

times = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))


def test_week_buckets_start_on_monday_midnight_utc() -> None:
    sunday_late = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    assert floor(sunday_late, Bucket.WEEK) == datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
    assert key(sunday_late, Bucket.WEEK) == "w:2026-11-23"
    assert key(datetime(2026, 11, 30, tzinfo=UTC), Bucket.WEEK) == "w:2026-11-30"


def test_a_time_with_an_offset_falls_in_its_utc_bucket() -> None:
    seoul = timezone(timedelta(hours=9))
    assert key(datetime(2026, 11, 25, 3, 0, tzinfo=seoul), Bucket.DAY) == "d:2026-11-24"
    assert key(datetime(2026, 11, 25, 3, 30, tzinfo=seoul), Bucket.HOUR) == "h:2026-11-24T18"


@given(times, st.sampled_from(list(Bucket)))
def test_a_time_is_inside_its_bucket(at: datetime, bucket: Bucket) -> None:
    start = floor(at, bucket)
    width = {Bucket.HOUR: timedelta(hours=1), Bucket.DAY: timedelta(days=1), Bucket.WEEK: timedelta(weeks=1)}[bucket]
    assert start <= at < start + width
    assert bucket is not Bucket.WEEK or start.weekday() == 0


@given(times)
def test_the_cached_keys_of_a_time_are_its_hour_day_and_week(at: datetime) -> None:
    assert keys(at) == (key(at, Bucket.HOUR), key(at, Bucket.DAY), key(at, Bucket.WEEK))


@given(times, times, st.sampled_from(list(Bucket)))
def test_keys_sort_as_bucket_starts_and_ranges_list_every_bucket(a: datetime, b: datetime, bucket: Bucket) -> None:
    first, last = min(a, b), max(a, b)
    if count(first, last, bucket) > 3000:
        return
    listed = starts(first, last, bucket)
    assert len(listed) == count(first, last, bucket)
    assert listed[0] == floor(first, bucket) and listed[-1] == floor(last, bucket)
    keys = [key(s, bucket) for s in listed]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert labelled(first, last, bucket) == [(key(s, bucket), iso(s)) for s in listed]


@given(times, st.sampled_from(list(Bucket)))
def test_the_longest_timeline_reads_a_few_dozen_pages_one_slot_per_bucket(last: datetime, bucket: Bucket) -> None:
    step = {Bucket.HOUR: timedelta(hours=1), Bucket.DAY: timedelta(days=1), Bucket.WEEK: timedelta(weeks=1)}[bucket]
    bucket_keys = [key(s, bucket) for s in starts(last - (MAX_BUCKETS - 1) * step, last, bucket)]
    cells = [page_of(k) for k in bucket_keys]
    assert len(set(cells)) == MAX_BUCKETS  # no two buckets share a slot
    assert len({page for page, _ in cells}) <= {Bucket.HOUR: 43, Bucket.DAY: 34, Bucket.WEEK: 21}[bucket]


@given(times)
def test_the_days_of_a_week_are_monday_to_sunday_of_it(at: datetime) -> None:
    days = week_days(key(at, Bucket.WEEK))
    assert len(days) == 7 and key(at, Bucket.DAY) in days
    assert {key(datetime.fromisoformat(d[2:]).replace(tzinfo=UTC), Bucket.WEEK) for d in days} == {
        key(at, Bucket.WEEK)}


def test_decision_bins_and_percentiles_use_the_stated_edges() -> None:
    assert decision_bin(0) == 0 and decision_bin(60) == 0 and decision_bin(61) == 1
    assert decision_bin(10 ** 9) == len(DECISION_BINS) - 1
    bins = [0] * len(DECISION_BINS)
    bins[0], bins[3] = 5, 5  # ten decisions: five within a minute, five within an hour
    assert percentile_edge(bins, 0.5) == 60 and percentile_edge(bins, 0.9) == 3600
    assert percentile_edge([0] * len(DECISION_BINS), 0.5) is None
