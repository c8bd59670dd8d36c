"""Pure: one row of a CSV file of badge definitions, read into a ``Definition`` (SPEC 14).

A cell is text. Plain values are written as they are (``name``, ``description``, an
``issue_type``, a ``group`` id, a ``rank``); instants as the API reads them (a date alone is
midnight in the org's timezone); nested values as JSON in the badge create shape (``benefits``,
``customer_limit``, ``badge_limit``, an expiry), except that an expiry cell may also be the bare
word ``NEVER`` or ``BADGE_END`` and ``owners`` may be ``LOYALTY|CAMPAIGNS`` (or a JSON list).

What a cell can't be read as is an error of that cell with the code a badge create answers for
such a shape (REQUIRED, INVALID, YEAR_OUT_OF_RANGE, BLANK, MAX_LENGTH, INVALID_CHOICE,
NULL_CHARACTERS_NOT_ALLOWED), its field named as in the API (``benefits.0.name``); every cell is
read, so a row lists all of them. What a readable row breaks is then the definition rules' to
answer, with their codes, as for a badge created by the API.
"""

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from badges.choices import BenefitType
from badges.exceptions import Violation
from badges.values import Benefit, Definition, Expiry, FixedWindow, LimitSet, RollingWindow

from .rows import instant_read

BADGE_COLUMNS = ("name", "start_on", "expires_on", "issue_type", "issue_expiry", "owners")
BADGE_OPTIONAL_COLUMNS = (
    "external_id",
    "description",
    "enrolment_expiry",
    "benefits",
    "customer_limit",
    "badge_limit",
    "group",
    "rank",
)
BARE_EXPIRIES = ("NEVER", "BADGE_END")
BENEFIT_TEXT_LENGTHS = {"reference_id": 100, "name": 200}
_YEAR_FIRST = re.compile(r"^\d{4}-")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class BadgeItem:
    """A badge definition to import: the ``external_id`` it had (as sent; empty for none), and
    its definition, or why it could not be read (``violations``, the definition then None)."""

    external_id: str
    definition: Definition | None
    violations: tuple[Violation, ...] = ()


class _Unreadable(Exception):
    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.violation = Violation(code, message, field)


def _json(text: str, field: str) -> Any:
    """A JSON value: no NaN or Infinity (no database stores them), nothing too deep to read."""

    def refused(word: str):
        raise ValueError(word)

    try:
        return json.loads(text, parse_constant=refused)
    except (ValueError, RecursionError) as error:
        raise _Unreadable(field, "INVALID", f"{field} is not JSON ({error}).") from error


def _object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise _Unreadable(field, "INVALID", f"{field} is a JSON object.")
    return value


def _list(value: Any, field: str) -> list:
    if not isinstance(value, list):
        raise _Unreadable(field, "NOT_A_LIST", f"{field} is a JSON list.")
    return value


def _whole(value: Any, field: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if value is None:
        raise _Unreadable(field, "NULL", f"{field} may not be null.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unreadable(field, "INVALID", f"{field} is a whole number.")
    return value


def _string(value: Any, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if value is None:
        raise _Unreadable(field, "NULL", f"{field} may not be null.")
    if not isinstance(value, str):
        raise _Unreadable(field, "INVALID", f"{field} is text.")
    if "\x00" in value:
        raise _Unreadable(
            field, "NULL_CHARACTERS_NOT_ALLOWED", f"{field} can't hold the NUL character."
        )
    return value


def _key(values: dict, key: str, field: str) -> Any:
    if key not in values:
        raise _Unreadable(f"{field}.{key}", "REQUIRED", f"{field}.{key} is required.")
    return values[key]


def _instant_of(text: str, field: str, zone: tzinfo) -> datetime:
    instant = instant_read(text, zone)
    if instant is not None:
        return instant
    if _YEAR_FIRST.match(text.strip()):
        year_read = instant_read("2000" + text.strip()[4:], zone)
        if year_read is not None:
            raise _Unreadable(
                field, "YEAR_OUT_OF_RANGE", "Years run from 2 to 9998 (9999 for a date alone)."
            )
    raise _Unreadable(
        field,
        "INVALID",
        f"{field} is an ISO 8601 date or datetime, such as 2025-10-11 or "
        "2025-10-11T18:20:00+05:30.",
    )


def _instant(text: str, field: str, zone: tzinfo) -> datetime:
    if not text.strip():
        raise _Unreadable(field, "REQUIRED", f"{field} is required.")
    return _instant_of(text, field, zone)


def _expiry(text: str, field: str, zone: tzinfo, *, dated: bool) -> Expiry | None:
    """An expiry cell: empty for none, NEVER or BADGE_END, or a JSON object (with a ``date``
    only when ``dated``, as an issue expiry has)."""
    word = text.strip()
    if not word:
        return None
    if word.upper() in BARE_EXPIRIES:
        return Expiry(type=word.upper())
    if not word.startswith("{"):
        raise _Unreadable(
            field,
            "INVALID",
            f"{field} is NEVER, BADGE_END or a JSON object such as "
            '{"type": "RELATIVE", "value": 2, "unit": "DAYS"}.',
        )
    values = _object(_json(word, field), field)
    date = None
    if dated:
        date_text = _string(values.get("date"), f"{field}.date", optional=True)
        date = _instant_of(date_text, f"{field}.date", zone) if date_text else None
    return Expiry(
        type=_string(_key(values, "type", field), f"{field}.type"),
        value=_whole(values.get("value"), f"{field}.value", optional=True),
        unit=_string(values.get("unit"), f"{field}.unit", optional=True),
        date=date,
    )


def _owners(text: str) -> tuple[str, ...]:
    word = text.strip()
    if not word:
        raise _Unreadable("owners", "REQUIRED", "owners is required.")
    if word.startswith("["):
        listed = _list(_json(word, "owners"), "owners")
        return tuple(_string(m, f"owners.{i}") for i, m in enumerate(listed))
    return tuple(part.strip() for part in word.split("|") if part.strip())


def _benefit_text(values: dict, key: str, field: str) -> str:
    text = _string(_key(values, key, field), f"{field}.{key}").strip()
    if not text:
        raise _Unreadable(f"{field}.{key}", "BLANK", f"{field}.{key} may not be blank.")
    if len(text) > BENEFIT_TEXT_LENGTHS[key]:
        raise _Unreadable(
            f"{field}.{key}",
            "MAX_LENGTH",
            f"{field}.{key} has at most {BENEFIT_TEXT_LENGTHS[key]} characters.",
        )
    return text


def _benefit(value: Any, field: str) -> Benefit:
    values = _object(value, field)
    kind = _string(_key(values, "type", field), f"{field}.type")
    if kind not in BenefitType.values:
        raise _Unreadable(
            f"{field}.type", "INVALID_CHOICE", f"{field}.type is one of {BenefitType.values}."
        )
    details = values.get("details", {})
    return Benefit(
        type=kind,
        reference_id=_benefit_text(values, "reference_id", field),
        name=_benefit_text(values, "name", field),
        details=_object(details, f"{field}.details"),
    )


def _benefits(text: str) -> tuple[Benefit, ...]:
    if not text.strip():
        return ()
    listed = _list(_json(text, "benefits"), "benefits")
    return tuple(_benefit(value, f"benefits.{index}") for index, value in enumerate(listed))


def _rolling(value: Any, field: str) -> RollingWindow:
    values = _object(value, field)
    return RollingWindow(
        limit=_whole(_key(values, "limit", field), f"{field}.limit"),
        value=_whole(_key(values, "value", field), f"{field}.value"),
        unit=_string(_key(values, "unit", field), f"{field}.unit"),
    )


def _fixed_window(value: Any, field: str) -> FixedWindow | None:
    if value is None:
        return None
    values = _object(value, field)
    return FixedWindow(
        max_earn_limit=_whole(_key(values, "max_earn_limit", field), f"{field}.max_earn_limit"),
        duration_type=_string(_key(values, "duration_type", field), f"{field}.duration_type"),
        refresh_rate=_whole(_key(values, "refresh_rate", field), f"{field}.refresh_rate"),
        week_start_day=_string(
            values.get("week_start_day"), f"{field}.week_start_day", optional=True
        ),
    )


def _limit_set(text: str, field: str) -> LimitSet:
    """A limit set: the parts not given are none, as on a badge create."""
    if not text.strip():
        return LimitSet()
    values = _object(_json(text, field), field)
    rolling = _list(values.get("rolling", []), f"{field}.rolling")
    return LimitSet(
        overall=_whole(values.get("overall"), f"{field}.overall", optional=True),
        rolling=tuple(_rolling(w, f"{field}.rolling.{i}") for i, w in enumerate(rolling)),
        fixed_window=_fixed_window(values.get("fixed_window"), f"{field}.fixed_window"),
    )


def _group(text: str) -> uuid.UUID | None:
    word = text.strip()
    if not word:
        return None
    if not _UUID.fullmatch(word):
        raise _Unreadable("group", "INVALID", "group is a group's id (a UUID).")
    return uuid.UUID(word)


def _rank(text: str) -> int | None:
    word = text.strip()
    if not word:
        return None
    try:
        if _WHOLE_NUMBER.fullmatch(word):
            return int(word)
    except ValueError:  # over Python's 4,300 digits: a rank's bounds are far narrower
        pass
    raise _Unreadable("rank", "INVALID", "rank is a whole number.")


def _issue_type(text: str) -> str:
    word = text.strip()
    if not word:
        raise _Unreadable("issue_type", "REQUIRED", "issue_type is required.")
    return word


def _issue_expiry(text: str, zone: tzinfo) -> Expiry:
    expiry = _expiry(text, "issue_expiry", zone, dated=True)
    if expiry is None:
        raise _Unreadable("issue_expiry", "REQUIRED", "issue_expiry is required.")
    return expiry


def _plain(text: str, field: str) -> str:
    return _string(text, field)


def badge_row(values: Mapping[str, str], zone: tzinfo) -> BadgeItem:
    """The row's definition, or every cell it could not read."""
    found: list[Violation] = []

    def cell(column: str, read: Callable[[str], Any], default: Any = None) -> Any:
        try:
            return read(values.get(column, ""))
        except _Unreadable as unreadable:
            found.append(unreadable.violation)
            return default

    external_id = values.get("external_id", "")
    fields = {
        "name": cell("name", lambda text: _plain(text, "name"), ""),
        "description": cell("description", lambda text: _plain(text, "description"), ""),
        "start_on": cell("start_on", lambda text: _instant(text, "start_on", zone)),
        "expires_on": cell("expires_on", lambda text: _instant(text, "expires_on", zone)),
        "issue_type": cell("issue_type", _issue_type, ""),
        "enrolment_expiry": cell(
            "enrolment_expiry",
            lambda text: _expiry(text, "enrolment_expiry", zone, dated=False),
        ),
        "issue_expiry": cell("issue_expiry", lambda text: _issue_expiry(text, zone)),
        "owners": cell("owners", _owners, ()),
        "benefits": cell("benefits", _benefits, ()),
        "customer_limit": cell(
            "customer_limit", lambda text: _limit_set(text, "customer_limit"), LimitSet()
        ),
        "badge_limit": cell(
            "badge_limit", lambda text: _limit_set(text, "badge_limit"), LimitSet()
        ),
        "group": cell("group", _group),
        "rank": cell("rank", _rank),
    }
    if found:
        return BadgeItem(external_id, None, tuple(found))
    return BadgeItem(external_id, Definition(**fields))
