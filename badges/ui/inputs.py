"""The inputs of the badge form that need more than Django's: wall-clock times in the org's
timezone, and benefit details as the API takes them."""

import json
from datetime import UTC, datetime

from django import forms
from django.utils.dateparse import parse_datetime

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format=DATETIME_FORMAT)


class WallClockField(forms.DateTimeField):
    """A wall-clock time as typed, kept naive: the form makes it an instant in the org's
    timezone once it has compared it with the stored instant (an untouched time in a repeated
    DST hour is then the stored one, not an ambiguous one). Shown in the current timezone."""

    widget = DateTimeInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is not None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


def instant_in(wall_clock: datetime, zone) -> datetime:
    """The instant a wall-clock time names in ``zone``; a ValidationError for a time the
    zone skips or repeats at a DST change (as Django's own form fields refuse them)."""
    aware = wall_clock.replace(tzinfo=zone)
    try:
        round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # the first or last hours of the calendar, shifted out of it
        raise forms.ValidationError(
            "Choose a time between the years 1 and 9999.", code="invalid"
        ) from None
    if round_trip != wall_clock or aware.utcoffset() != aware.replace(fold=1).utcoffset():
        raise forms.ValidationError(
            f"{wall_clock:%Y-%m-%d %H:%M} doesn't name one moment in {zone}: the clocks change "
            "then. Choose another time.",
            code="ambiguous",
        )
    return aware


def json_object(text: str) -> dict:
    """Benefit details as the API takes them: a JSON object (what it may hold is the
    services' rule)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise forms.ValidationError(
            'Details are a JSON object, e.g. {"expiry": "30 days"}.', code="invalid"
        )
    return value
