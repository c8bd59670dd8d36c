"""Plain value types that every face hands to the services (no ORM, no request)."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from customfields.values import FieldValue

# Ids a client gives (customer ids, request ids) and reasons are not blank and hold no NUL, which
# PostgreSQL text can't store. The same text is their OpenAPI ``pattern``, so schema and rule
# can't drift. "Blank" is Python's ``str.isspace()``, spelled out because ``\s`` means less in
# other regex engines (JSON Schema validators leave out U+001C to U+001F).
PYTHON_WHITE_SPACE = (
    r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
CLIENT_ID_PATTERN = rf"^[^\u0000]*[^\u0000{PYTHON_WHITE_SPACE}][^\u0000]*$"

# The years an instant may be written with: every instant of them converts to UTC and back,
# whatever its offset, so that no later comparison, storage or rendering overflows. A date alone
# (midnight in the org's timezone) may also be in 9999.
DATETIME_YEARS = (
    r"^(000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
)
DATE_YEARS = r"^(000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-"


SPACE = f"[{PYTHON_WHITE_SPACE}]"


def _stripped_text(max_length: int) -> str:
    """1 to ``max_length`` characters, the first and last not white space, no NUL."""
    solid = f"[^\\u0000{PYTHON_WHITE_SPACE}]"
    return rf"{solid}([^\u0000]{{0,{max_length - 2}}}{solid})?"


def stripped_text_pattern(max_length: int, *, blank: bool = False) -> str:
    """The OpenAPI ``pattern`` of text counted once stripped of white space (as the services
    count names, and as DRF reads trimmed text): 1 (0 if ``blank``) to ``max_length``
    characters that way, and no NUL."""
    text = _stripped_text(max_length)
    return rf"^{SPACE}*({text})?{SPACE}*$" if blank else rf"^{SPACE}*{text}{SPACE}*$"


def blank_field_pattern(max_length: int) -> str:
    """The ``pattern`` of a field that may be blank and is otherwise 1 to ``max_length``
    characters once stripped: white space only, or such text, but never the empty string.
    drf-spectacular documents an ``allow_blank`` field as ``oneOf`` this pattern and an empty
    string of its own, so a pattern matching the empty string too would make the schema refuse
    every empty string (it would match both)."""
    return rf"^({SPACE}+|{SPACE}*{_stripped_text(max_length)}{SPACE}*)$"


# Names the zone database holds that name no place: the host's own clock (a link to
# /etc/localtime, absent on other hosts) and tzdata's placeholder zone.
NOT_PLACES = frozenset({"localtime", "Factory"})


@cache
def timezone_names() -> tuple[str, ...]:
    """The IANA timezone names an org may take, sorted."""
    return tuple(sorted(set(available_timezones()) - NOT_PLACES))


def is_timezone_name(value: str) -> bool:
    return value in timezone_names()


CUSTOMER_ID_MAX_LENGTH = 100
REQUEST_ID_MAX_LENGTH = 255
REASON_MAX_LENGTH = 500
_CLIENT_ID = re.compile(CLIENT_ID_PATTERN)


def is_customer_id(value: str) -> bool:
    """1 to 100 characters, not only white space, no NUL."""
    return len(value) <= CUSTOMER_ID_MAX_LENGTH and _CLIENT_ID.match(value) is not None


def is_request_id(value: str) -> bool:
    """1 to 255 characters, not only white space, no NUL."""
    return len(value) <= REQUEST_ID_MAX_LENGTH and _CLIENT_ID.match(value) is not None


def is_reason(value: str) -> bool:
    """A revocation reason: 1 to 500 characters, not only white space, no NUL."""
    return len(value) <= REASON_MAX_LENGTH and _CLIENT_ID.match(value) is not None


@dataclass(frozen=True)
class Expiry:
    """An enrolment or issue expiry: RELATIVE (value, unit), FIXED_DATE (date), BADGE_END, NEVER."""

    type: str
    value: int | None = None
    unit: str | None = None
    date: datetime | None = None


@dataclass(frozen=True)
class RollingWindow:
    """At most ``limit`` issuances in the last ``value`` ``unit``s."""

    limit: int
    value: int
    unit: str


@dataclass(frozen=True)
class FixedWindow:
    """At most ``max_earn_limit`` issuances per cycle of ``refresh_rate`` ``duration_type``s."""

    max_earn_limit: int
    duration_type: str
    refresh_rate: int
    week_start_day: str | None = None

    def same_cycles_as(self, other: "FixedWindow") -> bool:
        return (self.duration_type, self.refresh_rate, self.week_start_day) == (
            other.duration_type,
            other.refresh_rate,
            other.week_start_day,
        )


@dataclass(frozen=True)
class LimitSet:
    """One limit set (customer or badge): overall, rolling windows and one fixed window."""

    overall: int | None = None
    rolling: tuple[RollingWindow, ...] = ()
    fixed_window: FixedWindow | None = None


@dataclass(frozen=True)
class Benefit:
    type: str
    reference_id: str
    name: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Definition:
    """Everything a client writes about a badge, checked as a whole."""

    name: str
    start_on: datetime
    expires_on: datetime
    issue_type: str
    issue_expiry: Expiry | None
    owners: tuple[str, ...]
    description: str = ""
    enrolment_expiry: Expiry | None = None
    benefits: tuple[Benefit, ...] = ()
    customer_limit: LimitSet = field(default_factory=LimitSet)
    badge_limit: LimitSet = field(default_factory=LimitSet)
    group: uuid.UUID | None = None
    rank: int | None = None
    custom_fields: tuple[FieldValue, ...] = ()
