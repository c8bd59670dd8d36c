"""Celery tasks of the imports domain: one service call each, with the current time."""

from celery import shared_task
from django.utils import timezone

from badges.imports.services.runs import lost_runs_requeued, run_execute


@shared_task
def run_import(run_id: str) -> str:
    """Queued when an upload commits: import its file."""
    return run_execute(run_id=run_id, clock=timezone.now).status


@shared_task
def requeue_lost_import_runs() -> int:
    """Beat: runs left RUNNING by a lost worker, sent again to be taken over."""
    return lost_runs_requeued()
