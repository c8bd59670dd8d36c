"""Celery tasks: each translates a schedule into one service call with the current time."""

import dataclasses

from celery import shared_task
from django.utils import timezone

from badges.services.deliveries import notifications_deliver
from badges.services.expiry import issuances_expire
from badges.services.fixed_windows import fixed_windows_roll_over_all
from badges.services.issued_count_sync import issued_counts_sync


@shared_task
def roll_over_fixed_windows() -> dict:
    """Beat, every 15 minutes: persist fixed-window config statuses and record their cycles.

    Raises when a badge failed, so that monitoring sees it; the others were rolled over."""
    run = fixed_windows_roll_over_all(clock=timezone.now)
    if run.failed:
        raise RolloverIncomplete(run)
    return dataclasses.asdict(run)


class RolloverIncomplete(Exception):
    """Some badges could not be rolled over (logged one by one); the next run retries them."""


@shared_task
def sync_issued_counts() -> dict:
    """Beat, every 2 hours: fold the issued counts' changes and refresh every badge's
    ``issued_count``; a run that finds another under way skips."""
    return dataclasses.asdict(issued_counts_sync(now=timezone.now()))


@shared_task
def expire_issuances() -> dict:
    """Beat, hourly: store EXPIRED on issuances past their end and queue their notifications."""
    return dataclasses.asdict(issuances_expire(now=timezone.now()))


# A sweep stops claiming after 5 minutes; this only ends one stuck on a receiver that trickles
# its answer (what it had claimed is sent again once its claim runs out).
@shared_task(time_limit=15 * 60)
def deliver_notifications(ids: list[str] | None = None) -> dict:
    """Queued when a change commits (``ids``), and beat's sweep each minute (every due one)."""
    return dataclasses.asdict(notifications_deliver(clock=timezone.now, ids=ids))
