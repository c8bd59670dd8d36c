"""Calendar cycles of a fixed-window config, computed in the org's timezone.

DAYS cycles start at local midnight of the config's start day, WEEKS cycles on the config's week
start day, MONTHS cycles on the 1st; each spans ``refresh_rate`` units. Cycles are half-open
``[start, end)``: the first starts no earlier than the config and the last ends no later than
``until`` (the badge end), or never ends when ``until`` is None.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from badges.choices import TimeUnit, Weekday
from badges.values import FixedWindow

WEEKDAY_NUMBER = {day: number for number, day in enumerate(Weekday.values)}


@dataclass(frozen=True)
class Cycle:
    """A half-open span ``[start, end)``; an open end never ends. Only a span counted for a
    limit (``counted_span``) has an open start."""

    start: datetime | None
    end: datetime | None

    def __contains__(self, instant: datetime) -> bool:
        return (self.start is None or self.start <= instant) and (
            self.end is None or instant < self.end
        )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _first_cycle_day(window: FixedWindow, anchor_day: date) -> date:
    if window.duration_type == TimeUnit.WEEKS:
        start_weekday = WEEKDAY_NUMBER[window.week_start_day or Weekday.MONDAY]
        return anchor_day - timedelta(days=(anchor_day.weekday() - start_weekday) % 7)
    if window.duration_type == TimeUnit.MONTHS:
        return anchor_day.replace(day=1)
    return anchor_day


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def cycle_at(
    instant: datetime,
    *,
    window: FixedWindow,
    starts_on: datetime,
    until: datetime | None,
    tz: ZoneInfo,
) -> Cycle | None:
    """The cycle holding ``instant``; None before ``starts_on`` or from ``until`` on."""
    if instant < starts_on or (until is not None and instant >= until):
        return None
    first_day = _first_cycle_day(window, starts_on.astimezone(tz).date())
    day = instant.astimezone(tz).date()
    rate = window.refresh_rate
    if window.duration_type == TimeUnit.MONTHS:
        months = (day.year - first_day.year) * 12 + day.month - first_day.month
        start_day = _add_months(first_day, months // rate * rate)
        end_day = _add_months(start_day, rate)
    else:
        span = rate * (7 if window.duration_type == TimeUnit.WEEKS else 1)
        start_day = first_day + timedelta(days=(day - first_day).days // span * span)
        end_day = start_day + timedelta(days=span)
    start = max(_local_midnight(start_day, tz), starts_on)
    end = _local_midnight(end_day, tz)
    if until is not None:
        end = min(end, until)
    return Cycle(start=start, end=end)
