"""The notifications outbox (SPEC 13): what the issue, revoke and expiry services write with
their change, and queueing it for delivery once that change commits.

Delivery itself is ``badges.services.deliveries``; the Celery task that runs it is found by name
(``DELIVER_TASK``), so that the domain layer imports no face.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial

import orjson
from celery import current_app
from django.db import transaction

from badges.exceptions import RuleViolation
from badges.models import Issuance, Notification, NotificationStatus, NotificationType

logger = logging.getLogger(__name__)

DELIVER_TASK = "badges.tasks.deliver_notifications"
# Retries due within this are queued for their time; later ones wait for the sweep.
RETRY_QUEUED = timedelta(minutes=15)


def _instant(value: datetime | None) -> str | None:
    """Webhook bodies carry instants in UTC, whatever the org's timezone."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def notification_data(issuance: Issuance, now: datetime) -> dict:
    """The issuance as the webhook tells it, at ``now`` (its status then)."""
    return {
        "issual_id": str(issuance.issual_id),
        "badge": {"id": str(issuance.badge_id), "name": issuance.badge.name},
        "customer_id": issuance.customer.customer_id,
        "event_date": _instant(issuance.event_date),
        "issued_on": _instant(issuance.issued_on),
        "expires_on": _instant(issuance.expires_on),
        "status": str(issuance.status_at(now)),
        "source": str(issuance.source),
        "triggered_by": issuance.triggered_by,
        "benefits": issuance.benefits,
        "revoked_on": _instant(issuance.revoked_on),
        "revoke_reason": issuance.revoke_reason,
    }


def notifications_for(
    issuances: Iterable[Issuance], kind: NotificationType, *, now: datetime
) -> list[Notification]:
    """New outbox rows telling each issuance's org of ``kind``: due now when the org has a
    webhook, SKIPPED when it has none (nothing to deliver to; the row still records it)."""
    made = []
    for issuance in issuances:
        org = issuance.org
        due = bool(org.webhook_url)
        made.append(
            Notification(
                org=org,
                type=kind,
                issuance_id=issuance.issual_id,
                badge_id=issuance.badge_id,
                customer_id=issuance.customer_id,
                data=notification_data(issuance, now),
                created_on=now,
                status=NotificationStatus.PENDING if due else NotificationStatus.SKIPPED,
                next_attempt_at=now if due else None,
                last_error="" if due else "The org had no webhook URL.",
            )
        )
    return made


def notifications_queued(notifications: Iterable[Notification]) -> None:
    """Hand the due notifications to a sender once the transaction writing them commits.

    Best effort: when the broker is down the notification stays due, and the sweep that runs
    every minute sends it. Nothing raised here may turn a committed change into an error."""
    ids = [str(n.pk) for n in notifications if n.status == NotificationStatus.PENDING]
    if ids:
        transaction.on_commit(partial(_enqueue, ids))


def notification_retry_queued(notification: Notification, *, now: datetime) -> None:
    """Queue a retry due soon for when it is due, so that the schedule's first waits (5 s,
    5 min) are kept to the second; later ones are left to the sweep, since a broker holding a
    message for hours would hand it out again meanwhile."""
    due = notification.next_attempt_at
    if notification.status == NotificationStatus.PENDING and due - now <= RETRY_QUEUED:
        transaction.on_commit(partial(_enqueue, [str(notification.pk)], eta=due))


def _enqueue(ids: list[str], eta: datetime | None = None) -> None:
    try:
        current_app.tasks[DELIVER_TASK].apply_async(args=[ids], eta=eta, retry=False)
    except Exception:
        logger.warning("Could not queue %d notification(s); the sweep will send them.", len(ids))


def notification_body(notification: Notification) -> bytes:
    """The webhook body, the same bytes on every attempt: Standard Webhooks' ``type``,
    ``timestamp`` (when the change happened) and ``data``."""
    return orjson.dumps(
        {
            "type": notification.type,
            "timestamp": _instant(notification.created_on),
            "data": notification.data,
        }
    )


@transaction.atomic
def notification_redeliver(*, notification: Notification, now: datetime) -> Notification:
    """Send the notification again, from the first attempt of the retry schedule, under the
    same ``webhook-id`` (receivers that already have it can tell)."""
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("org")
        .get(pk=notification.pk)
    )
    if not notification.org.webhook_url:
        raise RuleViolation.one(
            "WEBHOOK_NOT_CONFIGURED",
            "The org has no webhook URL to deliver to: set one in the org's settings first.",
        )
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = now
    notification.delivered_on = None
    notification.last_error = ""
    notification.save(
        update_fields=["status", "attempts", "next_attempt_at", "delivered_on", "last_error"]
    )
    notifications_queued([notification])
    return notification
