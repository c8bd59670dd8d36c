"""Moving an instant by a number of days, weeks or months.

Days and weeks are exact (24 and 168 hours), as SPEC 6 counts rolling windows; months are
calendar months on the org's wall clock (Jan 31 + 1 month = Feb 28, same local time).
"""

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from badges.choices import TimeUnit

HOURS = {TimeUnit.DAYS: 24, TimeUnit.WEEKS: 168}


def shift(instant: datetime, value: int, unit: str, tz: ZoneInfo) -> datetime:
    """``instant`` moved by ``value`` units (negative moves back)."""
    if unit in HOURS:
        return instant + timedelta(hours=HOURS[TimeUnit(unit)] * value)
    local = instant.astimezone(tz)
    index = local.year * 12 + local.month - 1 + value
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    moved = local.replace(tzinfo=None).replace(year=year, month=month + 1, day=day)
    return moved.replace(tzinfo=tz).astimezone(UTC)


def start_of_day(instant: datetime, tz: ZoneInfo) -> datetime:
    """Local midnight of the day holding ``instant``."""
    local = instant.astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz).astimezone(UTC)


def issuance_expiry(badge, issued_on: datetime) -> datetime | None:
    """When an issuance made at ``issued_on`` (the processing time) expires; None for NEVER."""
    expiry = badge.issue_expiry
    if expiry.type == "RELATIVE":
        return shift(issued_on, expiry.value, expiry.unit, badge.org.tzinfo)
    if expiry.type == "FIXED_DATE":
        return expiry.date
    if expiry.type == "BADGE_END":
        return badge.expires_on
    return None


def enrolment_expiry(badge, enrol_event_date: datetime) -> datetime:
    """When an enrolment with this event date expires."""
    expiry = badge.enrolment_expiry
    if expiry.type == "RELATIVE":
        return shift(enrol_event_date, expiry.value, expiry.unit, badge.org.tzinfo)
    return badge.expires_on
