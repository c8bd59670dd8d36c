"""Workflow rules (SPEC 12): create, change, delete; a rule's claim confirmed and added with it.

A rule's identity (module, event type and name, action, badge, target) is fixed once saved:
its outcomes and a target's progress were counted under it. Its name, program, condition and
activation can change; a new program is a new claim, confirmed like the first.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from badges.choices import Module
from badges.events.choices import EventType, RuleAction, TargetKind
from badges.events.conditions import FIELD_MAX_LENGTH, condition_problem, number
from badges.events.models import Rule
from badges.exceptions import RuleViolation, Violation
from badges.models import Badge, BadgeClaim, BadgeStatus, Organization
from badges.services.definitions import claim_add

NAME_MAX_LENGTH = 100
PROGRAM_MAX_LENGTH = 200
EVENT_NAME_MAX_LENGTH = 100
TARGET_MAX = Decimal("1e17")
TARGET_STEP = Decimal("0.000001")  # the column's scale: a finer value would be stored rounded
FIXED_FIELDS = ("module", "event_type", "event_name", "action", "badge", "target")


@dataclass(frozen=True)
class RuleDraft:
    """A rule as a face read it: plain values, the badge already found in the org."""

    name: str
    module: str
    program: str
    event_type: str
    action: str
    badge: Badge | None
    event_name: str = ""
    condition: Any = None
    target: Any = None
    is_active: bool = True


@dataclass
class _Checks:
    violations: list[Violation] = field(default_factory=list)

    def add(self, code: str, message: str, field_name: str) -> None:
        self.violations.append(Violation(code, message, field_name))


def _text(value: str) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_name(checks: _Checks, org: Organization, name: str, rule: Rule | None) -> None:
    if not 1 <= len(name) <= NAME_MAX_LENGTH or "\x00" in name:
        checks.add(
            "RULE_NAME_INVALID", f"A rule's name has 1 to {NAME_MAX_LENGTH} characters.", "name"
        )
        return
    taken = Rule.objects.filter(org=org, name=name)
    if rule is not None:
        taken = taken.exclude(pk=rule.pk)
    if taken.exists():
        checks.add("RULE_NAME_TAKEN", f"The org already has a rule named '{name}'.", "name")


def _check_program(checks: _Checks, program: str) -> None:
    if not 1 <= len(program) <= PROGRAM_MAX_LENGTH or "\x00" in program:
        checks.add(
            "PROGRAM_INVALID",
            f"A rule's program is a reference of 1 to {PROGRAM_MAX_LENGTH} characters.",
            "program",
        )


def _check_condition(checks: _Checks, condition: Any) -> None:
    problem = condition is not None and condition_problem(condition)
    if problem:
        checks.add("CONDITION_INVALID", problem, "condition")


def target_read(raw: Any) -> tuple[str, str, Decimal | None] | str:
    """(kind, field, value) of a target (``("", "", None)`` for none), or why it is not one."""
    if raw is None:
        return "", "", None
    if not isinstance(raw, dict) or not {"kind", "value"} <= set(raw) <= {"kind", "field", "value"}:
        return "A target is {kind, field, value}."
    kind, field_name, value = raw["kind"], raw.get("field"), raw["value"]
    if kind not in TargetKind.values:
        return "A target's kind is COUNT or SUM."
    amount = None if isinstance(value, str) else number(value)
    if amount is None or not 0 < amount < TARGET_MAX:
        return "A target's value is a number above 0."
    if amount != amount.quantize(TARGET_STEP):
        return "A target's value has at most 6 decimals."
    if kind == TargetKind.COUNT:
        if field_name not in (None, ""):
            return "A COUNT target counts events: it takes no field."
        if amount != amount.to_integral_value():
            return "A COUNT target's value is a whole number."
        return kind, "", amount
    if (
        not isinstance(field_name, str)
        or not 1 <= len(field_name.strip()) <= FIELD_MAX_LENGTH
        or "\x00" in field_name
    ):
        return f"A SUM target names the payload field it sums (1 to {FIELD_MAX_LENGTH} characters)."
    return kind, field_name.strip(), amount


def _check_identity(
    checks: _Checks, org: Organization, draft: RuleDraft, now: datetime
) -> tuple | None:
    """The fixed part of a new rule; the target read, or None when broken."""
    if draft.module not in Module.values:
        checks.add("MODULE_INVALID", f"Unknown module: {draft.module}.", "module")
    if draft.event_type not in EventType.values:
        checks.add("EVENT_TYPE_INVALID", f"Unknown event type: {draft.event_type}.", "event_type")
    event_name = _text(draft.event_name)
    if (
        draft.event_type == EventType.BEHAVIORAL
        and not 1 <= len(event_name) <= EVENT_NAME_MAX_LENGTH
    ):
        checks.add(
            "EVENT_NAME_REQUIRED",
            f"A Behavioral rule names its event (1 to {EVENT_NAME_MAX_LENGTH} characters).",
            "event_name",
        )
    if draft.event_type != EventType.BEHAVIORAL and event_name:
        checks.add(
            "EVENT_NAME_NOT_ALLOWED", "Only Behavioral events have an event name.", "event_name"
        )
    if draft.action not in RuleAction.values:
        checks.add("ACTION_INVALID", "A rule's action is ISSUE_BADGE or REVOKE_BADGE.", "action")
    target = target_read(draft.target)
    if isinstance(target, str):
        checks.add("TARGET_INVALID", target, "target")
        target = None
    elif target[0] and draft.action == RuleAction.REVOKE_BADGE:
        checks.add("TARGET_NEEDS_ISSUE", "Only a rule that issues a badge has a target.", "target")
    badge = draft.badge
    if badge is None:
        checks.add("BADGE_REQUIRED", "A rule acts on a badge.", "badge")
    elif badge.org_id != org.pk:
        checks.add("BADGE_NOT_FOUND", "The org has no badge with this id.", "badge")
    elif draft.module in Module.values and not badge_is_eligible(badge, draft.module, now):
        checks.add(
            "RULE_BADGE_NOT_ELIGIBLE",
            f"A rule's badge is live, active and owned by {draft.module}.",
            "badge",
        )
    return target


def badge_is_eligible(badge: Badge, module: str, now: datetime) -> bool:
    """The badges a rule may pick: live, active and owned by the rule's module (SPEC 12)."""
    return (
        badge.is_active
        and badge.status_at(now) == BadgeStatus.LIVE
        and any(o.module == module for o in badge.owners.all())
    )


def claim_of(rule: Rule) -> tuple[str, str, str]:
    """The claim a rule needs: (module, program, event type)."""
    return rule.module, rule.program, rule.event_type


def claim_missing(rule: Rule) -> bool:
    module, program, detail = claim_of(rule)
    return not BadgeClaim.objects.filter(
        badge_id=rule.badge_id, module=module, reference=program, detail=detail
    ).exists()


def _claimed(rule: Rule, confirm_claim: bool, actor, now: datetime) -> None:
    """Add the rule's claim to its badge, once the client confirmed that permanent change."""
    if not claim_missing(rule):
        return
    if not confirm_claim:
        module, program, detail = claim_of(rule)
        raise RuleViolation.one(
            "CLAIM_CONFIRMATION_REQUIRED",
            f"Saving this rule adds the permanent claim ({module}, {program}, {detail}) to the "
            "badge: send confirm_claim true to confirm.",
            "confirm_claim",
        )
    module, program, detail = claim_of(rule)
    claim_add(
        badge=rule.badge, module=module, reference=program, detail=detail, actor=actor, now=now
    )


@transaction.atomic
def rule_create(
    *, org: Organization, draft: RuleDraft, confirm_claim: bool, actor=None, now: datetime
) -> Rule:
    checks = _Checks()
    name, program = _text(draft.name), _text(draft.program)
    _check_name(checks, org, name, None)
    _check_program(checks, program)
    _check_condition(checks, draft.condition)
    target = _check_identity(checks, org, draft, now)
    if checks.violations:
        raise RuleViolation(*checks.violations)
    kind, target_field, target_value = target
    rule = Rule(
        org=org,
        name=name,
        module=draft.module,
        program=program,
        event_type=draft.event_type,
        event_name=_text(draft.event_name),
        action=draft.action,
        badge=draft.badge,
        condition=_condition_stored(draft.condition),
        target_kind=kind,
        target_field=target_field,
        target_value=target_value,
        is_active=bool(draft.is_active),
        created_on=now,
        created_by=actor,
        updated_on=now,
        updated_by=actor,
    )
    _claimed(rule, confirm_claim, actor, now)
    rule.save()
    return rule


def _condition_stored(condition: Any) -> dict | None:
    if condition is None:
        return None
    return {"field": condition["field"].strip(), "op": condition["op"], "value": condition["value"]}


@transaction.atomic
def rule_update(
    *, rule: Rule, changes: dict, confirm_claim: bool, actor=None, now: datetime
) -> Rule:
    """Change a rule's name, program, condition or activation (``changes`` holds only what the
    client sent); the rest is fixed (RULE_FIELD_FIXED when sent with another value)."""
    rule = Rule.objects.select_for_update().select_related("badge").get(pk=rule.pk)
    checks = _Checks()
    for name in FIXED_FIELDS:
        if name in changes and not _unchanged(rule, name, changes[name]):
            checks.add(
                "RULE_FIELD_FIXED",
                f"A rule's {name} can't change once saved: disable it and create another.",
                name,
            )
    if "name" in changes:
        rule.name = _text(changes["name"])
        _check_name(checks, rule.org, rule.name, rule)
    if "program" in changes:
        rule.program = _text(changes["program"])
        _check_program(checks, rule.program)
    if "condition" in changes:
        _check_condition(checks, changes["condition"])
        if not checks.violations:
            rule.condition = _condition_stored(changes["condition"])
    if "is_active" in changes:
        rule.is_active = bool(changes["is_active"])
    if checks.violations:
        raise RuleViolation(*checks.violations)
    _claimed(rule, confirm_claim, actor, now)
    rule.updated_on, rule.updated_by = now, actor
    rule.save()
    return rule


def _unchanged(rule: Rule, name: str, value) -> bool:
    if name == "badge":
        return value is not None and value.pk == rule.badge_id
    if name == "target":
        return target_read(value) == (rule.target_kind, rule.target_field, rule.target_value)
    if name == "event_name":
        return _text(value) == rule.event_name
    return value == getattr(rule, name)


@transaction.atomic
def rule_delete(*, rule: Rule) -> None:
    """Delete a rule and its customers' progress; its outcomes keep its name and snapshot, and
    what it issued stays issued."""
    Rule.objects.filter(pk=rule.pk).delete()
