"""Words the browser UI shows for a badge's values (SPEC 8: "issue expiry in words")."""

from datetime import datetime, tzinfo
from decimal import Decimal

from django.utils import formats
from django.utils.timezone import localtime

from badges.values import Expiry, FixedWindow, RollingWindow

UNIT_WORDS = {"DAYS": ("day", "days"), "WEEKS": ("week", "weeks"), "MONTHS": ("month", "months")}
MODULE_WORDS = {
    "LOYALTY": "Loyalty",
    "MILESTONES": "Milestones",
    "CAMPAIGNS": "Campaigns",
    "JOURNEYS": "Journeys",
}


def instant_words(value: datetime | None, zone: tzinfo) -> str:
    """An instant in the org's timezone, e.g. "27 Nov 2026, 14:05"."""
    if value is None:
        return ""
    return formats.date_format(localtime(value, zone), "j M Y, H:i")


def amount_words(value: Decimal | int | float) -> str:
    """A total or a target as a person writes it: 1,250.5, never 1250.500000 or 1.25E+3."""
    return f"{Decimal(str(value)).normalize():,f}"


def count_of(count: int, unit: str) -> str:
    one, many = UNIT_WORDS.get(unit, (unit.lower(), unit.lower()))
    return f"{count} {one if count == 1 else many}"


def expiry_words(expiry: Expiry | None, zone: tzinfo, since: str) -> str:
    """An enrolment or issue expiry in words; ``since`` names what a relative one counts from."""
    if expiry is None:
        return "—"
    if expiry.type == "RELATIVE":
        return f"{count_of(expiry.value, expiry.unit)} after {since}"
    if expiry.type == "FIXED_DATE":
        return f"On {instant_words(expiry.date, zone)}"
    if expiry.type == "BADGE_END":
        return "When the badge ends"
    return "Never expires"


def rolling_words(window: RollingWindow) -> str:
    return f"{window.limit:,} in any {count_of(window.value, window.unit)}"


def fixed_window_words(window: FixedWindow) -> str:
    every = (
        UNIT_WORDS.get(window.duration_type, ("", ""))[0]
        if window.refresh_rate == 1
        else count_of(window.refresh_rate, window.duration_type)
    )
    starting = f", weeks start on {window.week_start_day.title()}" if window.week_start_day else ""
    return f"{window.max_earn_limit:,} per {every}{starting}"


SOURCE_WORDS = {"API": "API", "EVENT": "Event", "IMPORT": "Import", "MEMBERCARE": "Customer care"}


def source_words(source: str) -> str:
    return SOURCE_WORDS.get(source, source.title())


def limit_words(details: dict) -> str:
    """The limit a refusal names (its ``details``), e.g. "2 in any 3 days"."""
    limit, window = details.get("limit", 0), details.get("window") or {}
    if details.get("kind") == "OVERALL":
        return f"at most {limit:,} ever"
    span = count_of(window.get("value", 0), window.get("unit", ""))
    if details.get("kind") == "ROLLING":
        return f"{limit:,} in any {span}"
    return f"{limit:,} per {span} (fixed window)"


def module_words(module: str) -> str:
    return MODULE_WORDS.get(module, module.title())
