import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from badges.choices import EnrolmentStatus, IssuanceSource, IssuanceStatus, Module
from badges.rows import LoadedFromRows

from .definitions import Badge
from .json import JSONField
from .orgs import Organization


class Customer(LoadedFromRows, models.Model):
    """A loyalty customer, known by the id the loyalty system gives them."""

    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="customers")
    customer_id = models.CharField(max_length=100)
    registered_on = models.DateTimeField(null=True, blank=True)
    created_on = models.DateTimeField()

    class Meta:
        ordering = ["customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "customer_id"], name="customer_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.customer_id


class Enrolment(LoadedFromRows, models.Model):
    """Admission of a customer to an Enrol & Issue badge from ``enrol_event_date`` until
    ``expires_on``; issuances need an event date inside it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="enrolments")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="enrolments")
    enrol_event_date = models.DateTimeField()
    enrolled_on = models.DateTimeField()
    expires_on = models.DateTimeField()
    request_id = models.CharField(max_length=255, blank=True)
    revoked_on = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-enrol_event_date"]
        indexes = [
            models.Index(fields=["badge", "customer", "expires_on"], name="enrolment_lookup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("enrol_event_date")),
                name="enrolment_expires_after_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} in {self.badge}"

    def status_at(self, now: datetime) -> EnrolmentStatus:
        if self.revoked_on is not None:
            return EnrolmentStatus.REVOKED
        if self.expires_on <= now:
            return EnrolmentStatus.EXPIRED
        return EnrolmentStatus.ACTIVE

    def covers(self, event_date: datetime) -> bool:
        return self.enrol_event_date <= event_date < self.expires_on


class Issuance(LoadedFromRows, models.Model):
    """One award of a badge to one customer, valid over ``[issued_on, expires_on)``.

    ``status`` stores REVOKED (and EXPIRED once the expiry job ran); every read derives the
    status from the clock, so a late job never changes an answer.
    """

    issual_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Single-column indexes on org, badge and customer would be redundant: an org is one value
    # per tenant, and badge and customer lead the composite indexes below.
    org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    badge = models.ForeignKey(
        Badge, on_delete=models.PROTECT, related_name="issuances", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="issuances", db_index=False
    )
    event_date = models.DateTimeField()
    issued_on = models.DateTimeField()
    expires_on = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=IssuanceStatus.choices, default=IssuanceStatus.ACTIVE
    )
    source = models.CharField(max_length=12, choices=IssuanceSource.choices)
    triggered_by_module = models.CharField(max_length=20, choices=Module.choices, blank=True)
    triggered_by_reference = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=255, blank=True)
    # Why staff issued it (a customer-care issue's reason); the database fills in none for rows
    # written without it (imports, bench seeds).
    issue_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    benefits = JSONField(default=list, blank=True)
    revoked_on = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        # Each index says the query it serves (docs/performance.md lists them with their plans).
        indexes = [
            # The issue path's held issuances of a badge's customers; the overlap check.
            models.Index(fields=["badge", "customer", "issued_on"], name="issuance_customer"),
            # Badge-wide rolling windows, counted back from now over issued_on: index-only, and
            # only the counted (non-revoked) rows.
            models.Index(
                fields=["badge", "issued_on"],
                name="issuance_badge_counted",
                condition=Q(revoked_on__isnull=True),
            ),
            # Badge-wide fixed windows and the fixed-windows read, counted by event date.
            models.Index(
                fields=["badge", "event_date"],
                name="issuance_badge_event_counted",
                condition=Q(revoked_on__isnull=True),
            ),
            # The expiry job: ACTIVE issuances that end, by their end.
            models.Index(
                fields=["expires_on"],
                name="issuance_expiring",
                condition=Q(status=IssuanceStatus.ACTIVE, expires_on__isnull=False),
            ),
            # A customer's badges, newest first.
            models.Index(fields=["customer", "-issued_on"], name="issuance_customer_recent"),
            # Deleting a user clears the revocations they made (most rows have none).
            models.Index(
                fields=["revoked_by"],
                name="issuance_revoked_by",
                condition=Q(revoked_by__isnull=False),
            ),
        ]
        constraints = [
            # An earned badge is imported once (SPEC 14: a re-run answers DUPLICATE).
            models.UniqueConstraint(
                fields=["badge", "customer", "event_date"],
                condition=Q(source=IssuanceSource.IMPORT),
                name="issuance_imported_once",
            ),
            models.CheckConstraint(
                condition=Q(status=IssuanceStatus.REVOKED, revoked_on__isnull=False)
                | ~Q(status=IssuanceStatus.REVOKED) & Q(revoked_on__isnull=True),
                name="issuance_revoked_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.badge} to {self.customer} ({self.issual_id})"

    def status_at(self, now: datetime) -> IssuanceStatus:
        if self.revoked_on is not None:
            return IssuanceStatus.REVOKED
        if self.expires_on is not None and self.expires_on <= now:
            return IssuanceStatus.EXPIRED
        return IssuanceStatus.ACTIVE

    @property
    def triggered_by(self) -> dict | None:
        if not self.triggered_by_module:
            return None
        return {"module": self.triggered_by_module, "reference": self.triggered_by_reference}


class IssueRequest(LoadedFromRows, models.Model):
    """The outcome of one issue request for one customer, kept so a replayed ``request_id``
    answers the original outcome, issued or refused, and writes nothing."""

    # ``org`` leads the unique key below, which serves its lookups.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    request_id = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    # By ``issual_id``, which the service makes before the insert: the issuance and its
    # request record are written together, in one statement on PostgreSQL.
    issuance = models.OneToOneField(
        Issuance,
        to_field="issual_id",
        db_column="issual_id",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="issue_request",
    )
    code = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500, blank=True)
    details = JSONField(default=dict, blank=True)
    created_on = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "badge", "customer", "request_id"], name="issue_request_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} for {self.customer}"


class IssuedCount(LoadedFromRows, models.Model):
    """A badge's non-revoked issuances, kept exact for its overall badge limit (SPEC 6) and the
    issued-count sync (SPEC 16) without counting its history.

    ``issued`` plus the badge's pending ``IssuedCountChange`` rows is the count. Issues of a
    badge with badge-wide limits add to ``issued`` under this row's lock; every other write
    (issues of other badges, revocations, imports) appends a change row and locks nothing.
    docs/concurrency.md says why the sum stays exact.
    """

    badge = models.OneToOneField(
        Badge, on_delete=models.CASCADE, primary_key=True, related_name="issued_tally"
    )
    issued = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.badge_id}: {self.issued}"


class IssuedCountChange(LoadedFromRows, models.Model):
    """A change to a badge's issued count, not yet folded into its ``IssuedCount``."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="+")
    change = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.badge_id}: {self.change:+d}"
