"""Badge definitions (SPEC 3): create, update, activation, owners and claims.

Each write checks the definition's rules (``definition_rules``) once, for the API, the admin and
commands, and writes the badge and its parts in one transaction.
"""

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from badges.exceptions import RuleViolation
from badges.models import (
    Badge,
    BadgeBenefit,
    BadgeChange,
    BadgeClaim,
    BadgeOwner,
    BadgeStatus,
    IssueExpiryType,
    LimitScope,
    Module,
    Organization,
    RollingLimit,
)
from badges.services.definition_rules import (
    definition_of,
    definition_violations,
    normalised,
    values_set,
)
from badges.services.fixed_windows import (
    fixed_window_apply,
    fixed_windows_follow_start,
    fixed_windows_roll_over,
)
from badges.services.history import change_record
from badges.services.issued_counts import issued_count_start
from badges.values import Benefit, Definition, LimitSet
from customfields import services as customfield_services

UPDATABLE = {f.name for f in dataclasses.fields(Definition)}


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


@transaction.atomic
def badge_create(
    *,
    org: Organization,
    actor,
    now: datetime,
    definition: Definition,
    imported: bool = False,
    external_id: str = "",
) -> Badge:
    """Create a badge, which must start in the future, unless it is ``imported`` from another
    platform (SPEC 14): then it may start (and end) in the past, and keeps the ``external_id``
    it was known by there (unique in the org; a lost race on it is an ``IntegrityError``)."""
    definition = normalised(definition)
    violations = definition_violations(org, None, None, definition, now, imported=imported)
    if violations:
        raise RuleViolation(*violations)
    definition = values_set(definition)

    badge = Badge(
        org=org,
        external_id=external_id,
        created_on=now,
        created_by=actor,
        updated_on=now,
        updated_by=actor,
    )
    _write_columns(badge, definition)
    _save_named(badge, badge.name)
    issued_count_start(badge)
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
        changes={
            **_jsonable(dataclasses.asdict(definition)),
            **({"external_id": external_id} if imported else {}),
        },
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
    new = normalised(dataclasses.replace(old, **_merged(old, changes)))
    violations = definition_violations(badge.org, badge, old, new, now)
    if violations:
        raise RuleViolation(*violations)
    new = values_set(new)

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
    badge.revision += 1
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


def badge_changed(
    badge: Badge,
    action: BadgeChange.Action,
    changes: dict[str, Any],
    actor,
    now: datetime,
    fields: Sequence[str] = (),
) -> None:
    """Save a change to a locked badge's definition (its ``fields``, who and when, the next
    revision) and append it to the badge's change history."""
    badge.updated_on = now
    badge.updated_by = actor
    badge.revision += 1
    badge.save(update_fields=[*fields, "updated_on", "updated_by", "revision"])
    change_record(badge=badge, action=action, actor=actor, now=now, changes=changes)


def _set_active(badge: Badge, active: bool, actor, now: datetime) -> Badge:
    if badge.is_active != active:
        badge.is_active = active
        badge_changed(
            badge,
            BadgeChange.Action.ACTIVATED if active else BadgeChange.Action.DEACTIVATED,
            {"is_active": [not active, active]},
            actor,
            now,
            ["is_active"],
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
        badge_changed(badge, BadgeChange.Action.OWNER_ADDED, {"module": module}, actor, now)
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
        badge_changed(
            badge,
            BadgeChange.Action.CLAIM_ADDED,
            {"module": module, "reference": reference, "detail": detail},
            actor,
            now,
        )
    return claim, created
