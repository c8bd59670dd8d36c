"""Celery task of the imports domain: an uploaded file's run, queued when the run commits
(eager, in the uploading request, when no broker is configured)."""

from celery import shared_task
from django.utils import timezone

from badges.imports.services.runs import run_execute


# A run of the largest file takes minutes; this only ends one stuck for far longer. The run
# then stays RUNNING (docs/decisions.md, Historical imports: the import page).
@shared_task(time_limit=2 * 60 * 60)
def run_import(run_id: str) -> dict:
    """Import the run's file; its status, summary and report are written on the run."""
    run = run_execute(run_id=run_id, clock=timezone.now)
    return {"run": run_id, "status": run.status if run else None}
