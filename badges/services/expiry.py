"""The expiry job (SPEC 16): ACTIVE issuances past their ``expires_on`` become EXPIRED, each
with its ``badge.expired`` notification, once.

Reads already derive EXPIRED from the clock; the job stores it and tells the webhook. Each
batch is one transaction that locks the rows it takes with ``SKIP LOCKED``: two runs at once
take different rows, and a row a run has taken is no longer ACTIVE for the next one. A crash
rolls its batch back whole, and the unique (issuance, type) of the outbox would refuse a second
``badge.expired`` for an issuance in any case.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from badges.models import Issuance, IssuanceStatus, Notification, NotificationType
from badges.services.notifications import notifications_for, notifications_queued

EXPIRY_BATCH = 500


@dataclass(frozen=True)
class ExpiryRun:
    expired: int


def _expire_batch(now: datetime, size: int) -> int:
    with transaction.atomic():
        taken = list(
            Issuance.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("org", "badge", "customer")
            .filter(status=IssuanceStatus.ACTIVE, expires_on__lte=now)
            .order_by("expires_on", "pk")[:size]
        )
        if not taken:
            return 0
        Issuance.objects.filter(pk__in=[i.pk for i in taken]).update(status=IssuanceStatus.EXPIRED)
        for issuance in taken:
            issuance.status = IssuanceStatus.EXPIRED
        notifications = notifications_for(taken, NotificationType.EXPIRED, now=now)
        Notification.objects.bulk_create(notifications)
        notifications_queued(notifications)
    return len(taken)


def issuances_expire(*, now: datetime, batch_size: int = EXPIRY_BATCH) -> ExpiryRun:
    """Mark every ACTIVE issuance with ``expires_on <= now`` EXPIRED (an issuance expiring at T
    is expired at T: validity is half-open), in batches, until none is left to take."""
    expired = 0
    while True:
        taken = _expire_batch(now, batch_size)
        expired += taken
        if taken < batch_size:
            return ExpiryRun(expired=expired)
