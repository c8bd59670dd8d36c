"""The notifications outbox (SPEC 13): a row written in the same transaction as each issue,
revocation and expiry, delivered to the org's webhook afterwards, and every attempt made."""

import uuid

from django.db import models
from django.db.models import Q

from badges.choices import NotificationStatus, NotificationType
from badges.rows import LoadedFromRows

from .definitions import Badge
from .issuance import Customer, Issuance
from .json import JSONField
from .orgs import Organization


class Notification(LoadedFromRows, models.Model):
    """One change of one issuance to tell the org's webhook about.

    ``data`` is what the webhook body says, written with the change, so that every retry sends
    the same body under the same ``webhook-id`` (the notification's id). A notification is
    PENDING while attempts are due (``next_attempt_at``); a sender claims it by moving
    ``next_attempt_at`` past its attempt (a lease), so a crashed sender's claim runs out and the
    notification is sent again, never lost. SKIPPED when the org had no webhook when it was
    written.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.CharField(max_length=20, choices=NotificationType.choices)
    # By ``issual_id``, which exists before the issuance is inserted: the issuance and its
    # notification are written in one statement on PostgreSQL.
    issuance = models.ForeignKey(
        Issuance,
        to_field="issual_id",
        db_column="issual_id",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    data = JSONField()
    created_on = models.DateTimeField()
    status = models.CharField(max_length=10, choices=NotificationStatus.choices)
    # Attempts made since the notification was (re)queued: where the retry schedule stands.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_on = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        indexes = [
            # The senders' sweep: due PENDING rows, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=Q(status=NotificationStatus.PENDING),
            ),
            # notifications/, newest first, and its status filter.
            models.Index(fields=["org", "-created_on"], name="notification_org_recent"),
            # notifications/?customer=
            models.Index(fields=["customer", "-created_on"], name="notification_customer"),
        ]
        constraints = [
            # An issuance is issued, revoked and expired once each: an overlapping or re-run
            # expiry job cannot notify twice.
            models.UniqueConstraint(fields=["issuance", "type"], name="notification_once"),
            models.CheckConstraint(
                condition=Q(status=NotificationStatus.PENDING, next_attempt_at__isnull=False)
                | ~Q(status=NotificationStatus.PENDING),
                name="notification_pending_is_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.issuance_id}"


class NotificationAttempt(LoadedFromRows, models.Model):
    """One delivery attempt: what the endpoint answered, or why there was no answer."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    # The notification's org, kept here for the org's last deliveries.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    attempted_on = models.DateTimeField()
    url = models.URLField(max_length=200)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["-attempted_on", "-id"]
        indexes = [
            # The org settings page's last deliveries.
            models.Index(fields=["org", "-attempted_on"], name="notification_attempt_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} at {self.attempted_on}"

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
