import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from badges.choices import (
    BadgeStatus,
    BenefitType,
    EnrolmentExpiryType,
    FixedWindowStatus,
    IssueExpiryType,
    IssueType,
    LimitScope,
    Module,
    TimeUnit,
    Weekday,
)
from badges.rows import LoadedFromRows
from badges.values import Expiry, FixedWindow, LimitSet, RollingWindow

from .json import JSONField
from .orgs import Organization

MAX_BENEFITS = 10


class Badge(LoadedFromRows, models.Model):
    """A badge definition. Its status is derived from the clock, never stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="badges")
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000, blank=True)
    # The id a badge imported from another platform had there (SPEC 14): a re-run of the
    # import answers the badge, and earned badges may name it by this id.
    external_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    start_on = models.DateTimeField()
    expires_on = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    issue_type = models.CharField(max_length=20, choices=IssueType.choices)

    enrolment_expiry_type = models.CharField(
        max_length=20, choices=EnrolmentExpiryType.choices, blank=True
    )
    enrolment_expiry_value = models.PositiveIntegerField(null=True, blank=True)
    enrolment_expiry_unit = models.CharField(max_length=10, choices=TimeUnit.choices, blank=True)

    issue_expiry_type = models.CharField(max_length=20, choices=IssueExpiryType.choices)
    issue_expiry_value = models.PositiveIntegerField(null=True, blank=True)
    issue_expiry_unit = models.CharField(max_length=10, choices=TimeUnit.choices, blank=True)
    issue_expiry_date = models.DateTimeField(null=True, blank=True)

    customer_overall_limit = models.PositiveIntegerField(null=True, blank=True)
    badge_overall_limit = models.PositiveIntegerField(null=True, blank=True)

    group = models.ForeignKey(
        "groups.BadgeGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="badges",
    )
    rank = models.IntegerField(null=True, blank=True)

    issued_count = models.PositiveIntegerField(default=0)
    issued_count_synced_at = models.DateTimeField(null=True, blank=True)

    created_on = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_on = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Bumped by every definition write, with ``updated_on``: it keys the issue path's cache of
    # the definition's parts (benefits, limits, claims), which a clock can't key exactly.
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-updated_on", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "org", name="badge_name_unique_per_org"),
            models.UniqueConstraint(
                fields=["org", "external_id"],
                condition=~Q(external_id=""),
                name="badge_external_id_unique_per_org",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("start_on")), name="badge_expires_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    Q(issue_type=IssueType.ENROL_ISSUE) & ~Q(enrolment_expiry_type="")
                    | Q(issue_type=IssueType.ISSUE, enrolment_expiry_type="")
                ),
                name="badge_enrolment_expiry_matches_issue_type",
            ),
            models.CheckConstraint(
                condition=~Q(enrolment_expiry_type=EnrolmentExpiryType.RELATIVE)
                | Q(enrolment_expiry_value__gte=1) & ~Q(enrolment_expiry_unit=""),
                name="badge_relative_enrolment_expiry_complete",
            ),
            models.CheckConstraint(
                condition=~Q(issue_expiry_type=IssueExpiryType.RELATIVE)
                | Q(issue_expiry_value__gte=1) & ~Q(issue_expiry_unit=""),
                name="badge_relative_issue_expiry_complete",
            ),
            models.CheckConstraint(
                condition=~Q(issue_expiry_type=IssueExpiryType.FIXED_DATE)
                | Q(issue_expiry_date__isnull=False),
                name="badge_fixed_date_issue_expiry_complete",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True)
                | Q(rank__gte=-1_000_000_000, rank__lte=1_000_000_000),
                name="badge_rank_in_range",
            ),
        ]
        indexes = [
            # The list ordered by name (its default tie-breaker is the id).
            models.Index(fields=["org", "name", "id"], name="badge_org_name"),
            models.Index(fields=["org", "start_on"], name="badge_org_start"),
            models.Index(fields=["org", "expires_on"], name="badge_org_expires"),
            # The list's default order; with the id, deep pages pick keys from the index alone.
            models.Index(fields=["org", "-updated_on", "id"], name="badge_org_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def status_at(self, now: datetime) -> BadgeStatus:
        if now < self.start_on:
            return BadgeStatus.UPCOMING
        if now < self.expires_on:
            return BadgeStatus.LIVE
        return BadgeStatus.ENDED

    @property
    def enrolment_expiry(self) -> Expiry | None:
        if not self.enrolment_expiry_type:
            return None
        return Expiry(
            type=self.enrolment_expiry_type,
            value=self.enrolment_expiry_value,
            unit=self.enrolment_expiry_unit or None,
        )

    @property
    def issue_expiry(self) -> Expiry:
        return Expiry(
            type=self.issue_expiry_type,
            value=self.issue_expiry_value,
            unit=self.issue_expiry_unit or None,
            date=self.issue_expiry_date,
        )

    def rows(self, relation: str) -> list:
        """The rows of a part of the definition (``owners``, ``claims``, ``benefits``,
        ``rolling_limits``, ``fixed_window_configs``): the list a read loaded into
        ``<relation>_rows`` (``selectors.definition_parts``), else a query (or the prefetched
        cache). A list read this way builds no queryset, which a page of badges would do
        hundreds of times."""
        loaded = self.__dict__.get(f"{relation}_rows")
        return loaded if loaded is not None else list(getattr(self, relation).all())

    def limit_set(self, scope: LimitScope, now: datetime) -> LimitSet:
        """The limit set as last written: overall, rolling windows, and the newest fixed-window
        config not removed."""
        overall = (
            self.customer_overall_limit
            if scope == LimitScope.CUSTOMER
            else self.badge_overall_limit
        )
        rolling = tuple(
            window.as_value() for window in self.rows("rolling_limits") if window.scope == scope
        )
        configs = [
            c
            for c in self.rows("fixed_window_configs")
            if c.scope == scope and not c.has_ended(now)
        ]
        newest = max(configs, key=lambda c: (c.starts_on, c.created_on), default=None)
        fixed = newest.as_value() if newest else None
        return LimitSet(overall=overall, rolling=rolling, fixed_window=fixed)


class BadgeOwner(LoadedFromRows, models.Model):
    """A module that owns a badge. Owners are added, never removed."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="owners")
    module = models.CharField(max_length=20, choices=Module.choices)
    added_on = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["added_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["badge", "module"], name="badge_owner_unique"),
        ]

    def __str__(self) -> str:
        return self.module


class BadgeClaim(LoadedFromRows, models.Model):
    """A module's use of a badge it owns: (LOYALTY, "Supermarket program", "TransactionAdd")."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="claims")
    module = models.CharField(max_length=20, choices=Module.choices)
    reference = models.CharField(max_length=200)
    detail = models.CharField(max_length=200, blank=True)
    claimed_on = models.DateTimeField()
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["claimed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["badge", "module", "reference", "detail"], name="badge_claim_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.reference} {self.detail}".strip()


class BadgeBenefit(LoadedFromRows, models.Model):
    """A benefit (points or coupon) linked to a badge and granted with each issuance."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="benefits")
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=10, choices=BenefitType.choices)
    reference_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    details = JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["badge", "position"], name="badge_benefit_position"),
            models.UniqueConstraint(
                fields=["badge", "type", "reference_id"], name="badge_benefit_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__lt=MAX_BENEFITS), name="badge_benefit_at_most_ten"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.name}"


class RollingLimit(LoadedFromRows, models.Model):
    """At most ``limit`` issuances in the last ``value`` ``unit``s, per customer or per badge."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="rolling_limits")
    scope = models.CharField(max_length=10, choices=LimitScope.choices)
    limit = models.PositiveIntegerField()
    value = models.PositiveIntegerField()
    unit = models.CharField(max_length=10, choices=TimeUnit.choices)

    class Meta:
        ordering = ["scope", "unit", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["badge", "scope", "value", "unit"], name="rolling_limit_one_per_window"
            ),
            models.CheckConstraint(
                condition=Q(limit__gte=1, value__gte=1), name="rolling_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.limit} per {self.value} {self.unit}"

    def as_value(self) -> RollingWindow:
        return RollingWindow(limit=self.limit, value=self.value, unit=self.unit)


class FixedWindowConfig(LoadedFromRows, models.Model):
    """One fixed-window configuration of a limit set, in force from ``starts_on``.

    A config's status is derived from the clock and its siblings: it is EXPIRED once a later
    config of the same scope has started or it was removed (``ended_on``), UPCOMING before
    ``starts_on``, ACTIVE otherwise. ``status`` holds that derivation as last persisted (by a
    definition change or the rollover job); reads and limit checks never trust it.
    """

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="fixed_window_configs")
    scope = models.CharField(max_length=10, choices=LimitScope.choices)
    max_earn_limit = models.PositiveIntegerField()
    duration_type = models.CharField(max_length=10, choices=TimeUnit.choices)
    refresh_rate = models.PositiveIntegerField()
    week_start_day = models.CharField(max_length=10, choices=Weekday.choices, blank=True)
    starts_on = models.DateTimeField()
    ended_on = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=FixedWindowStatus.choices)
    created_on = models.DateTimeField()

    class Meta:
        ordering = ["scope", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["badge", "scope", "starts_on"],
                condition=Q(ended_on__isnull=True),
                name="fixed_window_one_per_start",
            ),
            models.UniqueConstraint(
                fields=["badge", "scope"],
                condition=Q(status=FixedWindowStatus.ACTIVE),
                name="fixed_window_one_active",
            ),
            models.UniqueConstraint(
                fields=["badge", "scope"],
                condition=Q(status=FixedWindowStatus.UPCOMING),
                name="fixed_window_one_upcoming",
            ),
            models.CheckConstraint(
                condition=Q(max_earn_limit__gte=1, refresh_rate__gte=1),
                name="fixed_window_positive",
            ),
            models.CheckConstraint(
                condition=Q(duration_type=TimeUnit.WEEKS) & ~Q(week_start_day="")
                | ~Q(duration_type=TimeUnit.WEEKS) & Q(week_start_day=""),
                name="fixed_window_week_start_only_for_weeks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.max_earn_limit} per {self.refresh_rate} {self.duration_type}"

    def as_value(self) -> FixedWindow:
        return FixedWindow(
            max_earn_limit=self.max_earn_limit,
            duration_type=self.duration_type,
            refresh_rate=self.refresh_rate,
            week_start_day=self.week_start_day or None,
        )

    def has_ended(self, now: datetime) -> bool:
        return self.ended_on is not None and self.ended_on <= now


class FixedWindowCycle(LoadedFromRows, models.Model):
    """A cycle of a config as the rollover job generated it: the current and the next one.

    A record for people and reports; limit checks compute cycles from the clock instead.
    """

    config = models.ForeignKey(FixedWindowConfig, on_delete=models.CASCADE, related_name="cycles")
    starts_on = models.DateTimeField()
    ends_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["config", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["config", "starts_on"], name="cycle_one_per_start"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("starts_on")),
                name="cycle_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%Y-%m-%d %H:%M} to {self.ends_on or 'open'}"


class BadgeChange(LoadedFromRows, models.Model):
    """One entry of a badge definition's change history."""

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        ACTIVATED = "activated"
        DEACTIVATED = "deactivated"
        OWNER_ADDED = "owner_added"
        CLAIM_ADDED = "claim_added"
        IMAGE_SET = "image_set"
        IMAGE_REMOVED = "image_removed"

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=20, choices=Action.choices)
    changes = JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_on = models.DateTimeField()

    class Meta:
        ordering = ["-changed_on", "-id"]
        indexes = [models.Index(fields=["badge", "-changed_on"], name="badge_change_recent")]

    def __str__(self) -> str:
        return f"{self.badge} {self.action} at {self.changed_on:%Y-%m-%d %H:%M}"
