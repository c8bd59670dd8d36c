"""The events domain's tasks: processing queued on commit (eager without a broker), failures
recorded, and the sweep of events whose queued processing was lost."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.utils import timezone

from badges.events import tasks
from badges.events.choices import EventStatus
from badges.events.models import Event
from badges.events.services.intake import event_submit
from badges.exceptions import Busy
from tests.events.factories import body, rule_for
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db


def test_a_posted_event_is_processed_once_its_post_commits(django_capture_on_commit_callbacks):
    badge = BadgeFactory()
    rule_for(badge)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event, _ = event_submit(org=badge.org, body=body("pos-1"), now=timezone.now())
    assert len(callbacks) == 1
    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED
    assert event.outcomes.get().result == "ISSUED"


def test_a_repeat_queues_nothing(django_capture_on_commit_callbacks):
    badge, now = BadgeFactory(), timezone.now()
    event_submit(org=badge.org, body=body("pos-1", event_date=now), now=now)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event_submit(org=badge.org, body=body("pos-1", event_date=now), now=now)
    assert callbacks == []


def test_an_unexpected_failure_marks_the_event_failed_with_the_error():
    badge = BadgeFactory()
    event, _ = event_submit(org=badge.org, body=body("pos-1"), now=timezone.now())
    with (
        mock.patch.object(tasks, "event_process", side_effect=ValueError("broken")),
        pytest.raises(ValueError),
    ):
        tasks.process_event.apply(args=[str(event.pk)], throw=True)
    event.refresh_from_db()
    assert (event.status, event.error) == (EventStatus.FAILED, "ValueError: broken")


def test_a_busy_customer_is_retried_and_the_event_stays_pending_until_it_gives_up():
    badge = BadgeFactory()
    event, _ = event_submit(org=badge.org, body=body("pos-1"), now=timezone.now())
    with mock.patch.object(tasks, "event_process", side_effect=Busy()):
        with pytest.raises(Retry):
            tasks.process_event.apply(args=[str(event.pk)], retries=0, throw=True)
        event.refresh_from_db()
        assert event.status == EventStatus.PENDING
        last = tasks.process_event.max_retries
        with pytest.raises(Busy):
            tasks.process_event.apply(args=[str(event.pk)], retries=last, throw=True)
    event.refresh_from_db()
    assert event.status == EventStatus.FAILED and event.error.startswith("Gave up")


def test_the_sweep_processes_events_pending_over_a_minute_after_they_arrived():
    badge = BadgeFactory()
    rule_for(badge)
    now = timezone.now()
    old, _ = event_submit(
        org=badge.org, body=body("old"), now=now - timedelta(minutes=1, microseconds=1)
    )
    new, _ = event_submit(org=badge.org, body=body("new"), now=now - timedelta(minutes=1))
    with time_machine.travel(now, tick=False):
        assert tasks.process_pending_events.apply().get() == {"processed": 1, "failed": 0}
    assert Event.objects.get(pk=old.pk).status == EventStatus.PROCESSED
    assert Event.objects.get(pk=new.pk).status == EventStatus.PENDING
