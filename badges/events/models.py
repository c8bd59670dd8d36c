"""Rules, events, their outcomes, and target progress (SPEC 12)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from badges.choices import Module
from badges.models import Badge, Customer, Issuance, Organization
from badges.models.json import JSONField
from badges.rows import LoadedFromRows

from .choices import EventStatus, EventType, OutcomeKind, OutcomeResult, RuleAction, TargetKind

# Totals and targets: up to 10^17 with six decimals (sums of bill amounts in any currency).
AMOUNT = {"max_digits": 24, "decimal_places": 6}


class Rule(LoadedFromRows, models.Model):
    """When an event of ``event_type`` arrives for a program, issue or revoke ``badge``:
    under an optional condition on the payload, and for an issue optionally only once a
    target is reached."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    module = models.CharField(max_length=20, choices=Module.choices)
    program = models.CharField(max_length=200)
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    event_name = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=20, choices=RuleAction.choices)
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="+")
    condition = JSONField(null=True, blank=True)
    target_kind = models.CharField(max_length=10, choices=TargetKind.choices, blank=True)
    target_field = models.CharField(max_length=100, blank=True)
    target_value = models.DecimalField(null=True, blank=True, **AMOUNT)
    is_active = models.BooleanField(default=True)
    created_on = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_on = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The candidate rules of an event: the org's active rules of its type.
            models.Index(fields=["org", "event_type", "is_active"], name="rule_candidates"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="rule_name_unique_per_org"),
            models.CheckConstraint(
                condition=Q(target_kind="", target_value__isnull=True, target_field="")
                | Q(target_kind="COUNT", target_value__gt=0, target_field="")
                | Q(target_kind="SUM", target_value__gt=0, action="ISSUE_BADGE")
                & ~Q(target_field=""),
                name="rule_target_shape",
            ),
            models.CheckConstraint(
                condition=Q(target_kind="") | Q(action="ISSUE_BADGE"),
                name="rule_target_issues",
            ),
            models.CheckConstraint(
                condition=Q(event_type="Behavioral") & ~Q(event_name="")
                | ~Q(event_type="Behavioral") & Q(event_name=""),
                name="rule_event_name_behavioral",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> dict | None:
        if not self.target_kind:
            return None
        value = self.target_value.normalize()
        return {
            "kind": self.target_kind,
            "field": self.target_field or None,
            "value": int(value) if value == value.to_integral_value() else float(value),
        }


class Event(LoadedFromRows, models.Model):
    """A loyalty event as posted, once per ``(org, event_id)``; processed by a task."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    event_id = models.CharField(max_length=255)
    # A hash of the body as posted: a repeat with another body is EVENT_ID_REUSED.
    fingerprint = models.CharField(max_length=64)
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    event_name = models.CharField(max_length=100, blank=True)
    customer_id = models.CharField(max_length=100)
    event_date = models.DateTimeField()
    reference = models.CharField(max_length=200, blank=True)
    payload = JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    received_on = models.DateTimeField()
    processed_on = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["org", "-received_on"], name="event_org_recent"),
            models.Index(fields=["org", "customer_id", "-received_on"], name="event_customer"),
            # A full return finds the events of the bill it returns.
            models.Index(fields=["org", "customer_id", "reference"], name="event_reference"),
            # The sweep of events whose queued processing was lost.
            models.Index(
                fields=["received_on"],
                name="event_pending",
                condition=Q(status=EventStatus.PENDING),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "event_id"], name="event_id_unique_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class EventOutcome(LoadedFromRows, models.Model):
    """What one candidate rule did with one event, matched or not (or a revocation on return,
    or a target period closed): the rule as it was, what its condition saw, and the result."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    rule = models.ForeignKey(
        Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_name = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=20, choices=RuleAction.choices, blank=True)
    badge = models.ForeignKey(
        Badge, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    condition = JSONField(null=True, blank=True)
    target = JSONField(null=True, blank=True)
    matched = models.BooleanField()
    seen = JSONField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=OutcomeResult.choices)
    code = models.CharField(max_length=50, blank=True)
    message = models.CharField(max_length=500, blank=True)
    issuance = models.ForeignKey(
        Issuance,
        to_field="issual_id",
        db_column="issual_id",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    next_eligible_at = models.DateTimeField(null=True, blank=True)
    details = JSONField(default=dict, blank=True)
    progress_total = models.DecimalField(null=True, blank=True, **AMOUNT)
    progress_target = models.DecimalField(null=True, blank=True, **AMOUNT)

    class Meta:
        ordering = ["event", "position"]
        constraints = [
            models.UniqueConstraint(fields=["event", "position"], name="outcome_position"),
            models.UniqueConstraint(
                fields=["event", "rule"],
                condition=Q(kind="RULE"),
                name="outcome_once_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_name or self.kind}: {self.result}"


class TargetContribution(LoadedFromRows, models.Model):
    """One matching event's part in a customer's progress toward a rule's target, or (``closes``)
    an elapsed-period event closing the period it falls in."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    event_date = models.DateTimeField()
    event_key = models.CharField(max_length=255)
    amount = models.DecimalField(**AMOUNT)
    closes = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "customer", "event"], name="contribution_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_key}: {self.amount}"


class TargetProgress(LoadedFromRows, models.Model):
    """A customer's progress toward a rule's target in one period, as the last processed event
    left it: the total, and once reached the crossing event and what its issue gave."""

    org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+", db_index=False)
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(null=True, blank=True)
    total = models.DecimalField(**AMOUNT)
    count = models.PositiveIntegerField()
    target = models.DecimalField(**AMOUNT)
    crossing_event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    crossed_on = models.DateTimeField(null=True, blank=True)
    issuance = models.ForeignKey(
        Issuance,
        to_field="issual_id",
        db_column="issual_id",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    refusal_code = models.CharField(max_length=50, blank=True)
    refusal_message = models.CharField(max_length=500, blank=True)
    updated_on = models.DateTimeField()

    class Meta:
        ordering = ["customer", "rule", "-period_start"]
        indexes = [
            models.Index(fields=["customer", "badge"], name="progress_customer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "customer", "period_start"], name="progress_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total} of {self.target}"

    @property
    def reached(self) -> bool:
        return self.crossed_on is not None
