"""Celery tasks of the events domain: each translates a queue message or a schedule into one
service call with the current time."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from badges.events.services.processing import event_failed, event_process, events_pending
from badges.exceptions import Busy

logger = logging.getLogger(__name__)

# Events still PENDING this long after they arrived are processed by the sweep.
SWEEP_AFTER = timedelta(minutes=1)
SWEEP_LIMIT = 1000


@shared_task(bind=True, max_retries=5)
def process_event(self, event_pk: str) -> dict:
    """Queued when an event's post commits. Waiting on a busy customer or a database outage is
    retried with backoff (the event stays PENDING); any other failure marks it FAILED."""
    try:
        event = event_process(event_pk=event_pk, now=timezone.now())
    except (Busy, OperationalError) as error:
        if self.request.retries >= self.max_retries:
            event_failed(event_pk=event_pk, error=f"Gave up: {error}", now=timezone.now())
            raise
        raise self.retry(exc=error, countdown=2**self.request.retries) from error
    except Exception as error:
        event_failed(
            event_pk=event_pk, error=f"{type(error).__name__}: {error}", now=timezone.now()
        )
        raise
    return {"event": event_pk, "status": event.status if event else None}


@shared_task(time_limit=15 * 60)
def process_pending_events() -> dict:
    """Beat, every minute: process the events whose queued processing was lost."""
    processed = failed = 0
    for event_pk in events_pending(received_before=timezone.now() - SWEEP_AFTER, limit=SWEEP_LIMIT):
        try:
            event_process(event_pk=event_pk, now=timezone.now())
            processed += 1
        except (Busy, OperationalError):
            logger.warning("Event %s is busy; the next sweep retries it.", event_pk)
        except Exception as error:
            event_failed(
                event_pk=event_pk, error=f"{type(error).__name__}: {error}", now=timezone.now()
            )
            failed += 1
    return {"processed": processed, "failed": failed}
