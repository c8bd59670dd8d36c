"""Badge definitions (SPEC 3): create, update, activation, owners and claims.

Every rule of a badge definition is checked here, once, for the API, the admin and commands.
"""

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from badges.exceptions import RuleViolation, Violation
from badges.models import (
    MAX_BENEFITS,
    Badge,
    BadgeBenefit,
    BadgeChange,
    BadgeClaim,
    BadgeOwner,
    BadgeStatus,
    EnrolmentExpiryType,
    IssueExpiryType,
    IssueType,
    LimitScope,
    Module,
    Organization,
    RollingLimit,
    TimeUnit,
    Weekday,
)
from badges.services.fixed_windows import (
    fixed_window_apply,
    fixed_windows_follow_start,
    fixed_windows_roll_over,
)
from badges.services.history import change_record
from badges.values import Benefit, Expiry, LimitSet
from customfields import selectors as customfield_selectors
from customfields import services as customfield_services
from customfields.values import FieldValue
from groups import services as group_services

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 2000
MAX_UNITS = 1000  # days, weeks or months in one expiry, window or cycle
MAX_LIMIT = 1_000_000_000
LAST_YEAR = 8999  # leaves room for expiries and windows computed from badge dates


@dataclasses.dataclass(frozen=True)
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
    customer_limit: LimitSet = dataclasses.field(default_factory=LimitSet)
    badge_limit: LimitSet = dataclasses.field(default_factory=LimitSet)
    group: uuid.UUID | None = None
    rank: int | None = None
    custom_fields: tuple[FieldValue, ...] = ()


UPDATABLE = {f.name for f in dataclasses.fields(Definition)}


def definition_of(badge: Badge, now: datetime) -> Definition:
    return Definition(
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


# Rules --------------------------------------------------------------------------------------


def _holds_nul(value: Any) -> bool:
    """Whether JSON holds a NUL character anywhere (PostgreSQL's jsonb refuses it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


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
    fixed = limits.fixed_window
    if fixed is not None:
        where = f"{field}.fixed_window"
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


def _definition_violations(
    org: Organization,
    badge: Badge | None,
    old: Definition | None,
    new: Definition,
    now: datetime,
) -> list[Violation]:
    """The rules every state of a definition must satisfy, plus those that compare with now
    and, on update, with the definition as it was (``old``)."""
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

    if old is None or new.start_on != old.start_on:
        if badge is not None and badge.status_at(now) != BadgeStatus.UPCOMING:
            found.append(
                Violation(
                    "START_ON_LOCKED",
                    "The start of a live or ended badge can't change.",
                    "start_on",
                )
            )
        elif new.start_on <= now:
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

    if new.issue_expiry is None:
        found.append(
            Violation("ISSUE_EXPIRY_REQUIRED", "A badge needs an issue expiry.", "issue_expiry")
        )
    else:
        found += _expiry_violations("issue_expiry", new.issue_expiry, IssueExpiryType.values)
        date = new.issue_expiry.date
        if new.issue_expiry.type == IssueExpiryType.FIXED_DATE and date and date <= new.start_on:
            found.append(
                Violation(
                    "EXPIRY_DATE_NOT_AFTER_START",
                    "A fixed expiry date must be after the badge start.",
                    "issue_expiry.date",
                )
            )

    if not new.owners:
        found.append(Violation("OWNER_REQUIRED", "A badge needs at least one owner.", "owners"))
    unknown = [m for m in new.owners if m not in Module.values]
    if unknown:
        found.append(
            Violation("MODULE_INVALID", f"Unknown module(s): {', '.join(unknown)}.", "owners")
        )
    if old is not None and not set(old.owners) <= set(new.owners):
        found.append(Violation("OWNERS_ADD_ONLY", "Owners can be added, never removed.", "owners"))

    if len(new.benefits) > MAX_BENEFITS:
        found.append(
            Violation("TOO_MANY_BENEFITS", "A badge links at most 10 benefits.", "benefits")
        )
    seen = set()
    for index, benefit in enumerate(new.benefits):
        if _holds_nul(benefit.details):
            found.append(
                Violation(
                    "BENEFIT_DETAILS_INVALID",
                    "Benefit details can't contain the NUL character.",
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

    found += _limit_violations("customer_limit", new.customer_limit)
    found += _limit_violations("badge_limit", new.badge_limit)

    if new.group is not None and (old is None or new.group != old.group):
        found += group_services.group_assignable(org=org, group_id=new.group)
    found += group_services.rank_violations(new.rank)
    if old is None or new.custom_fields != old.custom_fields:
        found += customfield_services.badge_values_violations(org=org, values=new.custom_fields)
    return found


# Writes -------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _write_columns(badge: Badge, definition: Definition) -> None:
    badge.name = definition.name.strip()
    badge.description = definition.description
    badge.start_on = definition.start_on
    badge.expires_on = definition.expires_on
    badge.issue_type = definition.issue_type
    enrolment = definition.enrolment_expiry
    badge.enrolment_expiry_type = enrolment.type if enrolment else ""
    badge.enrolment_expiry_value = enrolment.value if enrolment else None
    badge.enrolment_expiry_unit = (enrolment.unit or "") if enrolment else ""
    issue = definition.issue_expiry
    badge.issue_expiry_type = issue.type
    badge.issue_expiry_value = issue.value if issue.type == IssueExpiryType.RELATIVE else None
    badge.issue_expiry_unit = (issue.unit or "") if issue.type == IssueExpiryType.RELATIVE else ""
    badge.issue_expiry_date = issue.date if issue.type == IssueExpiryType.FIXED_DATE else None
    badge.customer_overall_limit = definition.customer_limit.overall
    badge.badge_overall_limit = definition.badge_limit.overall
    badge.group_id = definition.group
    badge.rank = definition.rank


def _save_named(badge: Badge, name: str) -> None:
    """Save, turning a lost race on the unique name into the same refusal as the check."""
    try:
        with transaction.atomic():
            badge.save()
    except IntegrityError as error:
        if "badge_name_unique_per_org" in str(error):
            raise RuleViolation.one(
                "BADGE_NAME_TAKEN", f"A badge named '{name}' already exists.", "name"
            ) from error
        raise


def _add_owners(badge: Badge, modules, actor, now) -> list[str]:
    existing = set(badge.owners.values_list("module", flat=True))
    added = [m for m in dict.fromkeys(modules) if m not in existing]
    BadgeOwner.objects.bulk_create(
        BadgeOwner(badge=badge, module=m, added_on=now, added_by=actor) for m in added
    )
    return added


def _write_benefits(badge: Badge, benefits: Sequence[Benefit]) -> None:
    badge.benefits.all().delete()
    BadgeBenefit.objects.bulk_create(
        BadgeBenefit(
            badge=badge,
            position=position,
            type=b.type,
            reference_id=b.reference_id,
            name=b.name,
            details=b.details,
        )
        for position, b in enumerate(benefits)
    )


def _write_limits(badge: Badge, scope: LimitScope, limits: LimitSet, now: datetime) -> None:
    badge.rolling_limits.filter(scope=scope).delete()
    RollingLimit.objects.bulk_create(
        RollingLimit(badge=badge, scope=scope, limit=w.limit, value=w.value, unit=w.unit)
        for w in limits.rolling
    )
    fixed_window_apply(badge=badge, scope=scope, window=limits.fixed_window, now=now)


def _normalised(definition: Definition) -> Definition:
    """Week start days only mean something for WEEKS cycles (default Monday)."""

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
        owners=tuple(dict.fromkeys(definition.owners)),
        customer_limit=fix(definition.customer_limit),
        badge_limit=fix(definition.badge_limit),
        custom_fields=tuple(sorted(definition.custom_fields, key=lambda v: str(v.field))),
    )


def _values_set(definition: Definition) -> Definition:
    """Once checked, a custom field value of ``None`` (cleared) is no value at all."""
    return dataclasses.replace(
        definition,
        custom_fields=tuple(v for v in definition.custom_fields if v.value is not None),
    )


@transaction.atomic
def badge_create(*, org: Organization, actor, now: datetime, definition: Definition) -> Badge:
    """Create a badge, which must start in the future."""
    definition = _normalised(definition)
    violations = _definition_violations(org, None, None, definition, now)
    if violations:
        raise RuleViolation(*violations)
    definition = _values_set(definition)

    badge = Badge(org=org, created_on=now, created_by=actor, updated_on=now, updated_by=actor)
    _write_columns(badge, definition)
    _save_named(badge, badge.name)
    _add_owners(badge, definition.owners, actor, now)
    _write_benefits(badge, definition.benefits)
    _write_limits(badge, LimitScope.CUSTOMER, definition.customer_limit, now)
    _write_limits(badge, LimitScope.BADGE, definition.badge_limit, now)
    customfield_services.badge_values_write(badge=badge, values=definition.custom_fields)
    change_record(
        badge=badge,
        action=BadgeChange.Action.CREATED,
        actor=actor,
        now=now,
        changes=_jsonable(dataclasses.asdict(definition)),
    )
    return badge


def _merged(old: Definition, changes: dict[str, Any]) -> dict[str, Any]:
    """Partial-update semantics, applied under the badge's lock so that concurrent updates of
    different parts both land: a limit set given as a dict of parts is merged over the current
    one, one level deep; custom field values replace those of the fields they name."""
    merged = dict(changes)
    for field in ("customer_limit", "badge_limit"):
        if isinstance(merged.get(field), dict):
            merged[field] = dataclasses.replace(getattr(old, field), **merged[field])
    if "custom_fields" in merged:
        sent = merged["custom_fields"]  # a field sent twice stays twice: the rules refuse it
        named = {value.field for value in sent}
        kept = tuple(value for value in old.custom_fields if value.field not in named)
        merged["custom_fields"] = kept + tuple(sent)
    return merged


@transaction.atomic
def badge_update(*, badge: Badge, actor, now: datetime, **changes: Any) -> Badge:
    """Change any of the definition's fields; fields not passed keep their value.

    ``customer_limit`` and ``badge_limit`` take a LimitSet (replacing the set) or a dict of its
    parts (merged); ``custom_fields`` sets the values of the fields it names (``None`` clears).
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"badge_update() got unknown fields: {sorted(unknown)}")
    badge = Badge.objects.select_for_update().select_related("org").get(pk=badge.pk)
    old = definition_of(badge, now)
    new = _normalised(dataclasses.replace(old, **_merged(old, changes)))
    violations = _definition_violations(badge.org, badge, old, new, now)
    if violations:
        raise RuleViolation(*violations)
    new = _values_set(new)

    diff = {
        field.name: [_jsonable(getattr(old, field.name)), _jsonable(getattr(new, field.name))]
        for field in dataclasses.fields(Definition)
        if getattr(old, field.name) != getattr(new, field.name)
    }
    if not diff:
        return badge
    _write_columns(badge, new)
    badge.updated_on = now
    badge.updated_by = actor
    _save_named(badge, badge.name)
    _add_owners(badge, new.owners, actor, now)
    if "benefits" in diff:
        _write_benefits(badge, new.benefits)
    for scope, field in (
        (LimitScope.CUSTOMER, "customer_limit"),
        (LimitScope.BADGE, "badge_limit"),
    ):
        if field in diff:
            _write_limits(badge, scope, getattr(new, field), now)
    if "start_on" in diff:
        fixed_windows_follow_start(badge=badge)
    if diff.keys() & {"start_on", "expires_on", "issue_expiry"}:
        fixed_windows_roll_over(badge=badge, now=now)  # their cycles may now end elsewhere
    if "custom_fields" in diff:
        customfield_services.badge_values_write(badge=badge, values=new.custom_fields)
    change_record(
        badge=badge, action=BadgeChange.Action.UPDATED, actor=actor, now=now, changes=diff
    )
    return badge


def _touch(badge: Badge, actor, now: datetime, fields: Sequence[str] = ()) -> None:
    badge.updated_on = now
    badge.updated_by = actor
    badge.save(update_fields=[*fields, "updated_on", "updated_by"])


def _set_active(badge: Badge, active: bool, actor, now: datetime) -> Badge:
    if badge.is_active != active:
        badge.is_active = active
        _touch(badge, actor, now, ["is_active"])
        change_record(
            badge=badge,
            action=BadgeChange.Action.ACTIVATED if active else BadgeChange.Action.DEACTIVATED,
            actor=actor,
            now=now,
            changes={"is_active": [not active, active]},
        )
    return badge


@transaction.atomic
def badge_activate(*, badge: Badge, actor, now: datetime) -> Badge:
    """Activate a badge; always allowed, a no-op when it is already active."""
    badge = Badge.objects.select_for_update().get(pk=badge.pk)
    return _set_active(badge, True, actor, now)


@transaction.atomic
def badge_deactivate(*, badge: Badge, actor, now: datetime) -> Badge:
    """Deactivate an upcoming or live badge; an ended badge can't be deactivated."""
    badge = Badge.objects.select_for_update().get(pk=badge.pk)
    if badge.status_at(now) == BadgeStatus.ENDED:
        raise RuleViolation.one("BADGE_ENDED", "An ended badge can't be deactivated.")
    return _set_active(badge, False, actor, now)


@transaction.atomic
def owner_add(*, badge: Badge, module: str, actor, now: datetime) -> Badge:
    """Add an owning module; adding an existing owner changes nothing."""
    if module not in Module.values:
        raise RuleViolation.one("MODULE_INVALID", f"Unknown module: {module}.", "module")
    badge = Badge.objects.select_for_update().get(pk=badge.pk)
    if _add_owners(badge, [module], actor, now):
        _touch(badge, actor, now)
        change_record(
            badge=badge,
            action=BadgeChange.Action.OWNER_ADDED,
            actor=actor,
            now=now,
            changes={"module": module},
        )
    return badge


@transaction.atomic
def claim_add(
    *, badge: Badge, module: str, reference: str, detail: str = "", actor, now: datetime
) -> tuple[BadgeClaim, bool]:
    """A module claims a badge it owns, that is active and not ended. Returns (claim, created)."""
    badge = Badge.objects.select_for_update().get(pk=badge.pk)
    reference, detail = reference.strip(), detail.strip()
    if module not in Module.values:
        raise RuleViolation.one("MODULE_INVALID", f"Unknown module: {module}.", "module")
    if not reference:
        raise RuleViolation.one(
            "CLAIM_REFERENCE_REQUIRED", "A claim needs a reference.", "reference"
        )
    if not badge.owners.filter(module=module).exists():
        raise RuleViolation.one(
            "CLAIM_NEEDS_OWNER",
            f"{module} does not own this badge, so it can't claim it.",
            "module",
        )
    if not badge.is_active:
        raise RuleViolation.one("BADGE_INACTIVE", "An inactive badge can't be claimed.")
    if badge.status_at(now) == BadgeStatus.ENDED:
        raise RuleViolation.one("BADGE_ENDED", "An ended badge can't be claimed.")
    claim, created = BadgeClaim.objects.get_or_create(
        badge=badge,
        module=module,
        reference=reference,
        detail=detail,
        defaults={"claimed_on": now, "claimed_by": actor},
    )
    if created:
        _touch(badge, actor, now)
        change_record(
            badge=badge,
            action=BadgeChange.Action.CLAIM_ADDED,
            actor=actor,
            now=now,
            changes={"module": module, "reference": reference, "detail": detail},
        )
    return claim, created
