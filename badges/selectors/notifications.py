"""Reads of the notifications outbox and its delivery attempts."""

from django.db.models import Prefetch, QuerySet

from badges.models import Notification, NotificationAttempt, Organization

RECENT_DELIVERIES = 10


def notification_list(*, org: Organization) -> QuerySet[Notification]:
    """The org's notifications, newest first, each with its customer and its attempts (newest
    first)."""
    if org is None:
        return Notification.objects.none()
    return (
        Notification.objects.filter(org=org)
        .select_related("customer")
        .prefetch_related(
            Prefetch(
                "delivery_attempts",
                queryset=NotificationAttempt.objects.order_by("-attempted_on", "-id"),
            )
        )
    )


def recent_deliveries(*, org: Organization, count: int = RECENT_DELIVERIES):
    """The org's last delivery attempts, newest first, with what each delivered."""
    return (
        NotificationAttempt.objects.filter(org=org)
        .select_related("notification")
        .order_by("-attempted_on", "-id")[:count]
    )
