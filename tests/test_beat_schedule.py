"""SPEC 16: one beat schedule holds every job at its interval, each a task Celery knows."""

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings

from badges_project.celery import app

JOBS = {
    "badges.tasks.sync_issued_counts": crontab(minute=0, hour="*/2"),
    "badges.tasks.roll_over_fixed_windows": crontab(minute="*/15"),
    "badges.tasks.expire_issuances": crontab(minute=5),
    "badges.tasks.deliver_notifications": timedelta(seconds=60),
    # Events whose queued processing was lost (#15).
    "badges.events.tasks.process_pending_events": timedelta(minutes=1),
    # Import runs left RUNNING by a lost worker (#16).
    "badges.imports.tasks.requeue_lost_import_runs": timedelta(minutes=5),
}


def test_every_job_is_on_the_beat_schedule_at_its_interval():
    scheduled = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert scheduled == JOBS


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    assert set(JOBS) <= set(app.tasks)
