"""Pure: one row of customers' earned badges, read from what a file or an API batch sent.

A row is read the same way from a CSV cell (always text) and from JSON (a customer id may be a
whole number, ``expires_on`` may be null): what it breaks is its INVALID result, naming the
field and the rule, never an error of the whole batch.
"""

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from django.utils.dateparse import parse_date, parse_datetime

from badges.values import (
    CUSTOMER_ID_MAX_LENGTH,
    DATE_YEARS,
    DATETIME_YEARS,
    REQUEST_ID_MAX_LENGTH,
    is_customer_id,
    is_request_id,
)

from .choices import RowStatus

EARNED_COLUMNS = ("badge", "customer_id", "earn_event_date", "expires_on")
EARNED_OPTIONAL_COLUMNS = ("external_id",)
# As for an issue's event date: a clock a little ahead of ours is not an error.
FUTURE_TOLERANCE = timedelta(hours=24)
_DATETIME_YEARS = re.compile(DATETIME_YEARS)
_DATE_YEARS = re.compile(DATE_YEARS)


@dataclass(frozen=True)
class EarnedRow:
    """A well-formed row: which badge (its id or its import ``external_id``), whose, when."""

    line: int
    badge: str
    customer_id: str
    earn_event_date: datetime
    expires_on: datetime | None
    external_id: str = ""


@dataclass(frozen=True)
class RowResult:
    line: int
    status: RowStatus
    code: str = ""
    field: str = ""
    message: str = ""
    issual_id: str | None = None  # the issuance's id, as text


class _Invalid(Exception):
    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code = field, code


def instant_read(value: str, zone: tzinfo) -> datetime | None:
    """An ISO 8601 instant as the API reads one: a date alone is midnight in ``zone``, a
    datetime without offset is local to ``zone``; years 2 to 9998 (9999 for a date). None
    when it is none of those, or a local time the zone skips."""
    value = value.strip()
    try:
        day = parse_date(value) if len(value) == 10 else None
        if day is not None:
            if not _DATE_YEARS.match(value):
                return None
            return _local(datetime.combine(day, time(0)), zone)
        instant = parse_datetime(value) if _DATETIME_YEARS.match(value) else None
    except ValueError:
        return None
    if instant is None:
        return None
    return instant if instant.tzinfo is not None else _local(instant, zone)


def _local(naive: datetime, zone: tzinfo) -> datetime | None:
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return aware


def _text(values: Mapping[str, object], field: str, *, whole_number: bool = False) -> str:
    value = values.get(field)
    if value is None:
        return ""
    if whole_number and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _Invalid(field, f"{field.upper()}_INVALID", f"{field} is text.")
    return value


def _instant(values: Mapping[str, object], field: str, zone: tzinfo) -> datetime | None:
    """The instant in UTC: an import compares it with UTC instants (now, the badge's
    period), which costs some forty times less between datetimes of one tzinfo."""
    text = _text(values, field).strip()
    if not text:
        return None
    instant = _day_read(text, zone) if len(text) == 10 else instant_read(text, zone)
    if instant is None:
        raise _Invalid(
            field,
            f"{field.upper()}_INVALID",
            f"{field} is an ISO 8601 date or datetime (years 2 to 9998), such as "
            "2025-10-11 or 2025-10-11T18:20:00+05:30.",
        )
    return instant.astimezone(UTC)


@functools.lru_cache(maxsize=4096)
def _day_read(text: str, zone: tzinfo) -> datetime | None:
    """``instant_read`` of a text of ten characters (a date alone, or nothing valid), kept:
    a file's rows share a few thousand dates, each read and checked against the zone's
    clock changes in some microseconds."""
    return instant_read(text, zone)


def _earned_row(line: int, values: Mapping[str, object], zone: tzinfo, now: datetime):
    badge = _text(values, "badge").strip()
    if not badge:
        raise _Invalid("badge", "BADGE_REQUIRED", "Name the badge by its id or external id.")
    if "\x00" in badge:
        raise _Invalid("badge", "BADGE_INVALID", "A badge's id or external id holds no NUL.")
    customer_id = _text(values, "customer_id", whole_number=True)
    if not is_customer_id(customer_id):
        raise _Invalid(
            "customer_id",
            "CUSTOMER_ID_INVALID",
            f"Customer ids are 1 to {CUSTOMER_ID_MAX_LENGTH} characters, not blank.",
        )
    earned = _instant(values, "earn_event_date", zone)
    if earned is None:
        raise _Invalid("earn_event_date", "EARN_EVENT_DATE_REQUIRED", "Give the earn date.")
    if earned > now + FUTURE_TOLERANCE:
        raise _Invalid(
            "earn_event_date",
            "EVENT_DATE_IN_FUTURE",
            "An earned badge's date is at most 24 hours ahead of now.",
        )
    expires = _instant(values, "expires_on", zone)
    if expires is not None and expires <= earned:
        raise _Invalid(
            "expires_on",
            "EXPIRES_ON_NOT_AFTER_EARN",
            "The expiry must be after the earn date (empty for a badge that never expires).",
        )
    external_id = _text(values, "external_id")
    if external_id and not is_request_id(external_id):
        raise _Invalid(
            "external_id",
            "EXTERNAL_ID_INVALID",
            f"An external id is 1 to {REQUEST_ID_MAX_LENGTH} characters, not blank (or none).",
        )
    return EarnedRow(line, badge, customer_id, earned, expires, external_id)


def earned_row(
    line: int, values: Mapping[str, object], zone: tzinfo, now: datetime
) -> EarnedRow | RowResult:
    """The row, or its INVALID result naming the first field that breaks a rule."""
    try:
        return _earned_row(line, values, zone, now)
    except _Invalid as invalid:
        return RowResult(line, RowStatus.INVALID, invalid.code, invalid.field, str(invalid))
