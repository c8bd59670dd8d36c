"""Delivering the outbox to each org's webhook (SPEC 13), at least once, signed as Standard
Webhooks say.

A sender claims due notifications with ``SELECT ... FOR UPDATE SKIP LOCKED`` and moves their
``next_attempt_at`` a lease ahead, in a transaction of its own, then posts outside any
transaction and records the attempt in another. Senders never wait on each other or hold a
lock over the network; a sender that dies mid-attempt leaves its claim to run out, and the
notification is due again. Receivers tell a resent notification by its ``webhook-id``.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from badges.models import Notification, NotificationAttempt, NotificationStatus
from badges.services.notifications import notification_body, notification_retry_queued
from badges.webhooks.schedule import RETRY_DELAYS, next_attempt_at, retry_after_delay
from badges.webhooks.transport import Delivery, post_webhook

# What one attempt may take (the 10 s timeout, twice over for a slow DNS answer): a claim of
# n notifications, sent one after another, holds them n times this.
ATTEMPT_BUDGET = timedelta(seconds=20)
# A sweep claims no more after this many or this long, so that a task stays short (slow
# receivers cost up to the timeout each); the next sweep goes on.
SWEEP_MAX = 1000
SWEEP_TIME = timedelta(minutes=5)
CLAIM_BATCH = 10
ERROR_LENGTH = 500

Clock = Callable[[], datetime]


@dataclass
class DeliveryRun:
    """What one sweep did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0

    def count(self, status: str) -> None:
        field = {
            NotificationStatus.DELIVERED: "delivered",
            NotificationStatus.PENDING: "retrying",
            NotificationStatus.FAILED: "failed",
            NotificationStatus.SKIPPED: "skipped",
        }[status]
        setattr(self, field, getattr(self, field) + 1)


def notifications_claimed(*, now: datetime, limit: int, ids=None) -> list[Notification]:
    """Claim up to ``limit`` due notifications (of ``ids`` when given) that no other sender
    holds, with their orgs as they are now, for as long as sending them all may take."""
    with transaction.atomic():
        due = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("org")
            .filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        claimed = list(due[:limit])
        if claimed:
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                next_attempt_at=now + ATTEMPT_BUDGET * len(claimed)
            )
    return claimed


def notification_attempt(
    notification: Notification, *, clock: Clock, draw: Callable[[], float] = random.random
) -> str:
    """Make one attempt at a claimed notification and record it; answers the status it is
    left in. ``draw`` gives the retry delay's jitter (in [0, 1), spread over 0.9-1.1)."""
    org = notification.org
    if not org.webhook_url:
        return _settled(
            notification,
            NotificationStatus.SKIPPED,
            "The org has no webhook URL any more.",
        )
    sent_at = clock()
    if org.webhook_secret:
        delivery = post_webhook(
            org.webhook_url,
            secret=org.webhook_secret,
            message_id=str(notification.pk),
            body=notification_body(notification),
            sent_at=sent_at,
            allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS,
        )
    else:
        delivery = Delivery(
            status_code=None,
            latency_ms=0,
            error="The org has no signing secret: set or generate one.",
        )
    return _recorded(
        notification, delivery, url=org.webhook_url, sent_at=sent_at, now=clock(), draw=draw
    )


def retry_delays() -> list[timedelta]:
    """The retry schedule: the settings' (``WEBHOOK_RETRY_DELAYS``), else Standard Webhooks'."""
    configured = settings.WEBHOOK_RETRY_DELAYS
    return [timedelta(seconds=s) for s in configured] if configured else list(RETRY_DELAYS)


def _error_of(delivery: Delivery) -> str:
    if delivery.error:
        return delivery.error[:ERROR_LENGTH]
    return f"The endpoint answered {delivery.status_code}."


@transaction.atomic
def _recorded(
    notification: Notification,
    delivery: Delivery,
    *,
    url: str,
    sent_at: datetime,
    now: datetime,
    draw: Callable[[], float],
) -> str:
    """The attempt, and where the notification stands after it. A notification another
    sender delivered meanwhile stays delivered."""
    current = Notification.objects.select_for_update().get(pk=notification.pk)
    NotificationAttempt.objects.create(
        notification=current,
        org_id=current.org_id,
        attempted_on=sent_at,
        url=url,
        status_code=delivery.status_code,
        latency_ms=delivery.latency_ms,
        error=delivery.error[:ERROR_LENGTH],
        response_excerpt=delivery.response_excerpt,
    )
    if current.status == NotificationStatus.DELIVERED:
        return current.status
    current.attempts += 1
    if delivery.delivered:
        current.status, current.next_attempt_at = NotificationStatus.DELIVERED, None
        current.delivered_on, current.last_error = sent_at, ""
    elif delivery.gone:
        current.status, current.next_attempt_at = NotificationStatus.FAILED, None
        current.last_error = "The endpoint answered 410 Gone: no more attempts."
    else:
        retry = next_attempt_at(
            attempts_made=current.attempts,
            now=now,
            retry_after=retry_after_delay(delivery.retry_after, now),
            jitter=0.9 + 0.2 * draw(),
            delays=retry_delays(),
        )
        error = _error_of(delivery)
        if retry is None:
            current.status, current.next_attempt_at = NotificationStatus.FAILED, None
            error = f"Gave up after {current.attempts} attempts. {error}"
        else:
            current.status, current.next_attempt_at = NotificationStatus.PENDING, retry
        current.last_error = error[:ERROR_LENGTH]
    current.save(
        update_fields=["status", "attempts", "next_attempt_at", "delivered_on", "last_error"]
    )
    notification_retry_queued(current, now=now)
    return current.status


def _settled(notification: Notification, status: str, reason: str) -> str:
    updated = Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.PENDING
    ).update(status=status, next_attempt_at=None, last_error=reason)
    return status if updated else Notification.objects.get(pk=notification.pk).status


def notifications_deliver(
    *, clock: Clock, ids=None, limit: int = SWEEP_MAX, draw: Callable[[], float] = random.random
) -> DeliveryRun:
    """Send what is due (of ``ids`` when given), one claimed batch after another, until none
    is due, ``limit`` were attempted or the sweep has run for SWEEP_TIME."""
    run, attempted, started = DeliveryRun(), 0, clock()
    while attempted < limit and clock() - started < SWEEP_TIME:
        claimed = notifications_claimed(
            now=clock(), limit=min(CLAIM_BATCH, limit - attempted), ids=ids
        )
        if not claimed:
            break
        for notification in claimed:
            run.count(notification_attempt(notification, clock=clock, draw=draw))
        attempted += len(claimed)
    return run
