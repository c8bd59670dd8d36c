"""Org-scoped reads of rules, events and target progress, shared by the API, the UI and the
admin."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from badges.events.choices import EventStatus
from badges.events.models import Event, EventOutcome, Rule, TargetProgress
from badges.models import Badge, BadgeStatus, Customer, Organization
from badges.selectors import badge_status_q


def rule_list(*, org: Organization) -> QuerySet[Rule]:
    return Rule.objects.filter(org=org).select_related("badge").order_by("name", "id")


def rule_get(*, org: Organization, pk) -> Rule:
    """The org's rule (Rule.DoesNotExist, a 404 to every face, for another org's)."""
    return rule_list(org=org).get(pk=pk)


def rule_badge_choices(*, org: Organization, module: str, now: datetime) -> QuerySet[Badge]:
    """The badges a rule of ``module`` may pick: live, active and owned by the module."""
    return (
        org.badges.filter(badge_status_q([BadgeStatus.LIVE], now), is_active=True)
        .filter(owners__module=module)
        .distinct()
        .order_by("name", "id")
    )


def event_list(*, org: Organization) -> QuerySet[Event]:
    """The org's events, newest first."""
    return Event.objects.filter(org=org).order_by("-received_on", "-id")


def outcomes_of(event: Event) -> list[EventOutcome]:
    return list(event.outcomes.select_related("badge", "issuance").order_by("position"))


def event_get(*, org: Organization, pk) -> Event:
    """The org's event with its outcomes (``outcome_rows``), in a constant number of queries
    (each outcome's issuance with its customer, as an issuance read shows it)."""
    outcomes = EventOutcome.objects.select_related("badge", "issuance__customer").order_by(
        "position"
    )
    return (
        event_list(org=org)
        .prefetch_related(Prefetch("outcomes", queryset=outcomes, to_attr="outcome_rows"))
        .get(pk=pk)
    )


def outcome_results_loaded(events: list[Event]) -> list[Event]:
    """Load each event's outcome results (``outcome_results``, in order) in one statement:
    what a list of events counts of them."""
    results = EventOutcome.objects.only("event_id", "result").order_by("position")
    prefetch_related_objects(
        events, Prefetch("outcomes", queryset=results, to_attr="outcome_results")
    )
    return events


def event_after_post(*, org: Organization, event: Event) -> Event:
    """The event as it stands just after its post: processed already when no broker queued
    it (read again, with its outcomes), else as stored, PENDING with none (one statement)."""
    status = Event.objects.filter(pk=event.pk).values_list("status", flat=True).first()
    if status != EventStatus.PENDING:
        return event_get(org=org, pk=event.pk)
    event.outcome_rows = []
    return event


def customer_progress(*, customer: Customer | None) -> QuerySet[TargetProgress]:
    """A customer's progress toward every target, each period, newest period first per rule;
    none for a customer not seen yet."""
    if customer is None:
        return TargetProgress.objects.none()
    return (
        TargetProgress.objects.filter(customer=customer)
        .select_related("rule", "badge", "issuance", "crossing_event")
        .order_by("badge__name", "rule__name", "rule_id", "-period_start")
    )


@dataclass(frozen=True)
class BadgeProgress:
    """Where a customer stands on a badge's target now: the current (latest) period of one of
    the badge's active target rules."""

    rule: Rule
    total: Decimal
    target: Decimal
    reached: bool
    period_start: datetime | None
    issual_id: object = None

    @property
    def in_progress(self) -> bool:
        return self.total > 0 and not self.reached

    @property
    def standing(self) -> tuple:
        """How far along: reached first, then the larger share of the target."""
        return (self.reached, self.total / self.target)


def progress_by_badge(*, org: Organization, customer: Customer | None, badges: list[Badge]) -> dict:
    """Badge id → BadgeProgress for those of ``badges`` that an active target rule issues, in
    two statements. A badge several target rules issue shows the one the customer is furthest
    along (ties: the first rule by name); a badge with no progress yet stands at 0."""
    rules = list(
        Rule.objects.filter(org=org, badge__in=badges, is_active=True)
        .exclude(target_kind="")
        .order_by("name", "id")
    )
    latest = {}
    if customer is not None and rules:
        rows = TargetProgress.objects.filter(customer=customer, rule__in=rules).order_by(
            "rule_id", "-period_start"
        )
        for row in rows:
            latest.setdefault(row.rule_id, row)
    result = {}
    for rule in rules:
        row = latest.get(rule.pk)
        progress = BadgeProgress(
            rule=rule,
            total=row.total if row else Decimal(0),
            target=rule.target_value,
            reached=bool(row and row.crossed_on),
            period_start=row.period_start if row else None,
            issual_id=row.issuance_id if row else None,
        )
        shown = result.get(rule.badge_id)
        if shown is None or progress.standing > shown.standing:
            result[rule.badge_id] = progress
    return result
