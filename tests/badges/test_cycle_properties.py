"""Properties of fixed-window cycle arithmetic (SPEC 6) in org timezones with daylight saving:
every instant of a config's span lies in exactly one cycle, cycles are contiguous and
half-open, and each starts on its calendar boundary."""

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from badges.cycles import WEEKDAY_NUMBER, cycle_at
from badges.values import FixedWindow

ZONES = [
    "UTC",
    "Europe/London",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/New_York",
]

windows = st.builds(
    FixedWindow,
    max_earn_limit=st.just(1),
    duration_type=st.sampled_from(["DAYS", "WEEKS", "MONTHS"]),
    refresh_rate=st.integers(1, 5),
    week_start_day=st.sampled_from(list(WEEKDAY_NUMBER)),
)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "300")), deadline=None)
@given(
    window=windows,
    zone=st.sampled_from(ZONES),
    starts_on=instants,
    offset=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    span=st.one_of(
        st.none(), st.timedeltas(min_value=timedelta(hours=1), max_value=timedelta(days=800))
    ),
)
def test_an_instant_lies_in_exactly_one_cycle_and_cycles_touch(
    window, zone, starts_on, offset, span
):
    tz = ZoneInfo(zone)
    until = None if span is None else starts_on + span
    instant = starts_on + offset
    cycle = cycle_at(instant, window=window, starts_on=starts_on, until=until, tz=tz)
    if until is not None and instant >= until:
        assert cycle is None
        return
    assert instant in cycle
    assert cycle.start >= starts_on and cycle.end > cycle.start
    if until is not None:
        assert cycle.end <= until
    before = cycle_at(
        cycle.start - timedelta(microseconds=1),
        window=window,
        starts_on=starts_on,
        until=until,
        tz=tz,
    )
    if cycle.start > starts_on:
        assert before.end == cycle.start, "no gap and no overlap with the previous cycle"
    else:
        assert before is None
    if until is None or cycle.end < until:
        after = cycle_at(cycle.end, window=window, starts_on=starts_on, until=until, tz=tz)
        assert after.start == cycle.end


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "300")), deadline=None)
@given(
    window=windows,
    zone=st.sampled_from(ZONES),
    starts_on=instants,
    offset=st.timedeltas(min_value=timedelta(days=40), max_value=timedelta(days=400)),
)
def test_cycles_start_at_local_midnight_on_their_calendar_boundary(window, zone, starts_on, offset):
    tz = ZoneInfo(zone)
    cycle = cycle_at(starts_on + offset, window=window, starts_on=starts_on, until=None, tz=tz)
    if cycle.start == starts_on:
        return
    local = cycle.start.astimezone(tz)
    midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
    midnight_exists = midnight.astimezone(UTC).astimezone(tz).hour == 0
    assert (local.hour, local.minute) == (0, 0) or not midnight_exists
    assert cycle.start == midnight.astimezone(UTC)
    if window.duration_type == "WEEKS":
        assert local.weekday() == WEEKDAY_NUMBER[window.week_start_day]
    if window.duration_type == "MONTHS":
        assert local.day == 1
