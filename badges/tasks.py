"""Celery tasks: each translates a schedule into one service call with the current time."""

from celery import shared_task
from django.utils import timezone

from badges.services.fixed_windows import fixed_windows_roll_over_all


@shared_task
def roll_over_fixed_windows() -> int:
    """Beat, every 15 minutes: persist fixed-window config statuses and record their cycles."""
    return fixed_windows_roll_over_all(now=timezone.now())
