"""The rules of a badge definition (SPEC 3), written once for the API, the admin and commands.

``definition_violations`` checks a whole definition, new or changed, and returns every broken
rule in a stable order (the first one's code is the answer's ``code``); ``badges.services.
definitions`` writes only definitions that pass.
"""

import dataclasses
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from badges.exceptions import Violation
from badges.models import (
    MAX_BENEFITS,
    Badge,
    BadgeStatus,
    EnrolmentExpiryType,
    IssueExpiryType,
    IssueType,
    LimitScope,
    Module,
    Organization,
    TimeUnit,
    Weekday,
)
from badges.values import Benefit, Definition, Expiry, LimitSet
from customfields import selectors as customfield_selectors
from customfields import services as customfield_services
from customfields.values import holds_unpaired_surrogate
from groups import services as group_services

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 2000
MAX_UNITS = 1000  # days, weeks or months in one expiry, window or cycle
MAX_LIMIT = 1_000_000_000
LAST_YEAR = 8999  # leaves room for expiries and windows computed from badge dates


def definition_of(badge: Badge, now: datetime) -> Definition:
    """The definition a stored badge has (its limit sets as last written at ``now``), in the
    normal form a change is compared in."""
    return normalised(
        Definition(
            name=badge.name,
            description=badge.description,
            start_on=badge.start_on,
            expires_on=badge.expires_on,
            issue_type=badge.issue_type,
            enrolment_expiry=badge.enrolment_expiry,
            issue_expiry=badge.issue_expiry,
            owners=tuple(owner.module for owner in badge.owners.all()),
            benefits=tuple(
                Benefit(type=b.type, reference_id=b.reference_id, name=b.name, details=b.details)
                for b in badge.benefits.all()
            ),
            customer_limit=badge.limit_set(LimitScope.CUSTOMER, now),
            badge_limit=badge.limit_set(LimitScope.BADGE, now),
            group=badge.group_id,
            rank=badge.rank,
            custom_fields=tuple(
                sorted(customfield_selectors.badge_field_values(badge), key=lambda v: str(v.field))
            ),
        )
    )


def _in_utc(expiry: Expiry | None) -> Expiry | None:
    if expiry is None or expiry.date is None:
        return expiry
    return dataclasses.replace(expiry, date=expiry.date.astimezone(UTC))


def _enrolment_tidied(expiry: Expiry | None) -> Expiry | None:
    """A BADGE_END enrolment expiry has no value or unit (as an issue expiry's are tidied)."""
    if expiry is None or expiry.type == "RELATIVE":
        return expiry
    return dataclasses.replace(expiry, value=None, unit=None)


def normalised(definition: Definition) -> Definition:
    """Owners once each, custom field values in field order, week start days only where
    they mean something (WEEKS cycles, default Monday), a BADGE_END enrolment expiry without
    value or unit, and instants in UTC: two instants of one zone compare by wall clock in
    Python, which a repeated DST hour makes wrong (01:30 BST is before 01:30 GMT)."""

    def fix(limits: LimitSet) -> LimitSet:
        window = limits.fixed_window
        if window is None:
            return limits
        day = (window.week_start_day or Weekday.MONDAY) if window.duration_type == "WEEKS" else None
        return dataclasses.replace(
            limits, fixed_window=dataclasses.replace(window, week_start_day=day)
        )

    return dataclasses.replace(
        definition,
        start_on=definition.start_on.astimezone(UTC),
        expires_on=definition.expires_on.astimezone(UTC),
        enrolment_expiry=_in_utc(_enrolment_tidied(definition.enrolment_expiry)),
        issue_expiry=_in_utc(definition.issue_expiry),
        owners=tuple(dict.fromkeys(definition.owners)),
        customer_limit=fix(definition.customer_limit),
        badge_limit=fix(definition.badge_limit),
        custom_fields=tuple(sorted(definition.custom_fields, key=lambda v: str(v.field))),
    )


def values_set(definition: Definition) -> Definition:
    """Once checked, a custom field value of ``None`` (cleared) is no value at all."""
    return dataclasses.replace(
        definition,
        custom_fields=tuple(v for v in definition.custom_fields if v.value is not None),
    )


def definition_violations(
    org: Organization,
    badge: Badge | None,
    old: Definition | None,
    new: Definition,
    now: datetime,
    *,
    imported: bool = False,
) -> list[Violation]:
    """The rules every state of a definition must satisfy, plus those that compare with now
    and, on update, with the definition as it was (``old``). A definition ``imported`` from
    another platform (SPEC 14) may start in the past: the future-start rule alone is skipped."""
    return [
        *_name_violations(org, badge, old, new),
        *_date_violations(badge, old, new, now, imported=imported),
        *_issue_type_violations(old, new),
        *_issue_expiry_violations(new),
        *_owner_violations(old, new),
        *_benefit_violations(new.benefits),
        *_limit_violations("customer_limit", new.customer_limit),
        *_limit_violations("badge_limit", new.badge_limit),
        *_display_violations(org, old, new),
    ]


def _name_violations(
    org: Organization, badge: Badge | None, old: Definition | None, new: Definition
) -> list[Violation]:
    found = []
    name = new.name.strip()
    if not name:
        found.append(Violation("NAME_REQUIRED", "A badge needs a name.", "name"))
    elif len(name) > NAME_MAX_LENGTH:
        found.append(Violation("NAME_TOO_LONG", "A badge name has at most 100 characters.", "name"))
    elif (old is None or old.name.lower() != name.lower()) and (
        org.badges.filter(name__iexact=name).exclude(pk=getattr(badge, "pk", None)).exists()
    ):
        found.append(
            Violation("BADGE_NAME_TAKEN", f"A badge named '{name}' already exists.", "name")
        )
    if len(new.description) > DESCRIPTION_MAX_LENGTH:
        found.append(
            Violation(
                "DESCRIPTION_TOO_LONG", "A description has at most 2000 characters.", "description"
            )
        )
    return found


def _date_violations(
    badge: Badge | None,
    old: Definition | None,
    new: Definition,
    now: datetime,
    *,
    imported: bool = False,
) -> list[Violation]:
    found = []
    if old is None or new.start_on != old.start_on:
        if badge is not None and badge.status_at(now) != BadgeStatus.UPCOMING:
            found.append(
                Violation(
                    "START_ON_LOCKED",
                    "The start of a live or ended badge can't change.",
                    "start_on",
                )
            )
        elif new.start_on <= now and not imported:
            found.append(
                Violation("START_ON_NOT_IN_FUTURE", "The start must be in the future.", "start_on")
            )
    dates = {"start_on": new.start_on, "expires_on": new.expires_on}
    if new.issue_expiry and new.issue_expiry.date:
        dates["issue_expiry.date"] = new.issue_expiry.date
    for field, value in dates.items():
        if value.year > LAST_YEAR:
            found.append(
                Violation("DATE_OUT_OF_RANGE", f"Dates run up to the year {LAST_YEAR}.", field)
            )
    if new.expires_on <= new.start_on:
        found.append(
            Violation(
                "EXPIRES_ON_NOT_AFTER_START", "The end must be after the start.", "expires_on"
            )
        )
    elif old is not None and new.expires_on != old.expires_on and new.expires_on <= now:
        found.append(
            Violation("EXPIRES_ON_IN_PAST", "The end can't be moved into the past.", "expires_on")
        )
    return found


def _issue_type_violations(old: Definition | None, new: Definition) -> list[Violation]:
    """The issue type, fixed at creation, and the enrolment expiry it calls for."""
    found = []
    if new.issue_type not in IssueType.values:
        found.append(
            Violation(
                "ISSUE_TYPE_INVALID", "issue_type must be ENROL_ISSUE or ISSUE.", "issue_type"
            )
        )
    elif old is not None and new.issue_type != old.issue_type:
        found.append(
            Violation("ISSUE_TYPE_FIXED", "The issue type is fixed at creation.", "issue_type")
        )
    elif new.issue_type == IssueType.ENROL_ISSUE and new.enrolment_expiry is None:
        found.append(
            Violation(
                "ENROLMENT_EXPIRY_REQUIRED",
                "An Enrol & Issue badge needs an enrolment expiry.",
                "enrolment_expiry",
            )
        )
    elif new.issue_type == IssueType.ISSUE and new.enrolment_expiry is not None:
        found.append(
            Violation(
                "ENROLMENT_EXPIRY_NOT_ALLOWED",
                "Only Enrol & Issue badges have an enrolment expiry.",
                "enrolment_expiry",
            )
        )
    if new.enrolment_expiry is not None:
        found += _expiry_violations(
            "enrolment_expiry", new.enrolment_expiry, EnrolmentExpiryType.values
        )
    return found


def _issue_expiry_violations(new: Definition) -> list[Violation]:
    if new.issue_expiry is None:
        return [
            Violation("ISSUE_EXPIRY_REQUIRED", "A badge needs an issue expiry.", "issue_expiry")
        ]
    found = _expiry_violations("issue_expiry", new.issue_expiry, IssueExpiryType.values)
    date = new.issue_expiry.date
    if new.issue_expiry.type == IssueExpiryType.FIXED_DATE and date and date <= new.start_on:
        found.append(
            Violation(
                "EXPIRY_DATE_NOT_AFTER_START",
                "A fixed expiry date must be after the badge start.",
                "issue_expiry.date",
            )
        )
    return found


def _expiry_violations(field: str, expiry: Expiry, allowed: Sequence[str]) -> list[Violation]:
    if expiry.type not in allowed:
        return [Violation("EXPIRY_TYPE_INVALID", f"Expiry type must be one of {allowed}.", field)]
    found = []
    if expiry.type == "RELATIVE":
        if expiry.value is None or not 1 <= expiry.value <= MAX_UNITS:
            found.append(
                Violation(
                    "EXPIRY_VALUE_INVALID",
                    f"A relative expiry needs a value from 1 to {MAX_UNITS}.",
                    f"{field}.value",
                )
            )
        if expiry.unit not in TimeUnit.values:
            found.append(
                Violation(
                    "EXPIRY_UNIT_INVALID",
                    "A relative expiry needs a unit: DAYS, WEEKS or MONTHS.",
                    f"{field}.unit",
                )
            )
    if expiry.type == IssueExpiryType.FIXED_DATE and expiry.date is None:
        found.append(
            Violation("EXPIRY_DATE_REQUIRED", "A fixed-date expiry needs a date.", f"{field}.date")
        )
    return found


def _owner_violations(old: Definition | None, new: Definition) -> list[Violation]:
    found = []
    if not new.owners:
        found.append(Violation("OWNER_REQUIRED", "A badge needs at least one owner.", "owners"))
    unknown = [m for m in new.owners if m not in Module.values]
    if unknown:
        found.append(
            Violation("MODULE_INVALID", f"Unknown module(s): {', '.join(unknown)}.", "owners")
        )
    if old is not None and not set(old.owners) <= set(new.owners):
        found.append(Violation("OWNERS_ADD_ONLY", "Owners can be added, never removed.", "owners"))
    return found


MAX_DETAILS_DEPTH = 32  # levels of nested objects and lists in a benefit's details


def _unstorable(value: Any) -> bool:
    """Whether JSON holds what no database stores, or what is no benefit detail: a NUL
    character (PostgreSQL's jsonb refuses it), a lone surrogate (not UTF-8), a number that
    isn't finite (``1e999`` reads as infinity; JSON has no word for it), or nesting deeper
    than ``MAX_DETAILS_DEPTH``. Walked without recursion, so no depth is a crash."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or holds_unpaired_surrogate(item):
                return True
        elif isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict | list):
            if depth >= MAX_DETAILS_DEPTH:
                return True
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def _benefit_violations(benefits: Sequence[Benefit]) -> list[Violation]:
    found = []
    if len(benefits) > MAX_BENEFITS:
        found.append(
            Violation("TOO_MANY_BENEFITS", "A badge links at most 10 benefits.", "benefits")
        )
    seen = set()
    for index, benefit in enumerate(benefits):
        if _unstorable(benefit.details):
            found.append(
                Violation(
                    "BENEFIT_DETAILS_INVALID",
                    "Benefit details can't hold the NUL character, unpaired surrogates, a "
                    f"number too large to write, or nesting over {MAX_DETAILS_DEPTH} levels.",
                    f"benefits.{index}.details",
                )
            )
        key = (benefit.type, benefit.reference_id)
        if key in seen:
            found.append(
                Violation(
                    "BENEFIT_DUPLICATE", "This benefit is already linked.", f"benefits.{index}"
                )
            )
        seen.add(key)
    return found


def _limit_violations(field: str, limits: LimitSet) -> list[Violation]:
    found = []
    if limits.overall is not None and not 1 <= limits.overall <= MAX_LIMIT:
        found.append(
            Violation(
                "LIMIT_INVALID", f"An overall limit is from 1 to {MAX_LIMIT}.", f"{field}.overall"
            )
        )
    windows = set()
    for index, window in enumerate(limits.rolling):
        where = f"{field}.rolling.{index}"
        if not (1 <= window.limit <= MAX_LIMIT and 1 <= window.value <= MAX_UNITS):
            found.append(
                Violation(
                    "LIMIT_INVALID",
                    f"A rolling window needs a limit from 1 to {MAX_LIMIT} and a size from 1 to "
                    f"{MAX_UNITS}.",
                    where,
                )
            )
        if window.unit not in TimeUnit.values:
            found.append(
                Violation(
                    "EXPIRY_UNIT_INVALID", "Unit must be DAYS, WEEKS or MONTHS.", f"{where}.unit"
                )
            )
        if (window.value, window.unit) in windows:
            found.append(
                Violation(
                    "ROLLING_WINDOW_DUPLICATE",
                    f"There is already a rolling window of {window.value} {window.unit}.",
                    where,
                )
            )
        windows.add((window.value, window.unit))
    return found + _fixed_window_violations(f"{field}.fixed_window", limits)


def _fixed_window_violations(where: str, limits: LimitSet) -> list[Violation]:
    fixed = limits.fixed_window
    if fixed is None:
        return []
    found = []
    if not (1 <= fixed.max_earn_limit <= MAX_LIMIT and 1 <= fixed.refresh_rate <= MAX_UNITS):
        found.append(
            Violation(
                "LIMIT_INVALID",
                f"A fixed window needs max_earn_limit from 1 to {MAX_LIMIT} and refresh_rate "
                f"from 1 to {MAX_UNITS}.",
                where,
            )
        )
    if fixed.duration_type not in TimeUnit.values:
        found.append(
            Violation(
                "DURATION_TYPE_INVALID",
                "duration_type must be DAYS, WEEKS or MONTHS.",
                f"{where}.duration_type",
            )
        )
    if fixed.week_start_day is not None and fixed.week_start_day not in Weekday.values:
        found.append(
            Violation(
                "WEEK_START_DAY_INVALID",
                "week_start_day must be MONDAY to SUNDAY.",
                f"{where}.week_start_day",
            )
        )
    return found


def _display_violations(
    org: Organization, old: Definition | None, new: Definition
) -> list[Violation]:
    """Group, rank and custom field values: the rules of their own apps (SPEC 10, 11)."""
    found = []
    if new.group is not None and (old is None or new.group != old.group):
        found += group_services.group_assignable(org=org, group_id=new.group)
    found += group_services.rank_violations(new.rank)
    if old is None or new.custom_fields != old.custom_fields:
        found += customfield_services.badge_values_violations(org=org, values=new.custom_fields)
    return found
