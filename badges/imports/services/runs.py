"""Imports of files uploaded to the import page (SPEC 14): stored, run by a task, watched.

The upload is kept in the ``imports`` storage (never served publicly) under a random name; the
run is QUEUED and its task queued once the upload commits. The task counts the file's rows,
imports it through the file service of its kind (each batch commits on its own, and the run's
``rows_done`` with it, so the page sees the progress) and stores the per-row report beside it.
"""

import io
import logging
import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial

from celery import current_app
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction

from badges.exceptions import RuleViolation
from badges.imports.badge_rows import BADGE_COLUMNS, BADGE_OPTIONAL_COLUMNS
from badges.imports.choices import ImportKind, RunStatus
from badges.imports.files import FileRefused, rows_counted
from badges.imports.models import ImportRun
from badges.imports.rows import EARNED_COLUMNS, EARNED_OPTIONAL_COLUMNS
from badges.models import Organization

from . import definitions, earned

logger = logging.getLogger(__name__)

RUN_TASK = "badges.imports.tasks.run_import"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # some 3 million earned badges
COLUMNS = {
    ImportKind.BADGES: (BADGE_COLUMNS, BADGE_OPTIONAL_COLUMNS),
    ImportKind.CUSTOMER_BADGES: (EARNED_COLUMNS, EARNED_OPTIONAL_COLUMNS),
}


def _storage():
    return storages["imports"]


def _check_upload(upload) -> None:
    if upload is None:
        raise RuleViolation.one("FILE_REQUIRED", "Choose a CSV file to import.", "file")
    if not upload.name.lower().endswith(".csv"):
        raise RuleViolation.one("FILE_NOT_CSV", "The file must be a .csv file.", "file")
    if upload.size > MAX_UPLOAD_BYTES:
        raise RuleViolation.one(
            "FILE_TOO_LARGE",
            f"A file is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split a bigger one "
            "(or import it with the command).",
            "file",
        )


@transaction.atomic
def run_start(
    *, org: Organization, actor, kind: str, upload, dry_run: bool, now: datetime
) -> ImportRun:
    """Store the upload and queue its import."""
    if kind not in ImportKind.values:
        raise RuleViolation.one("KIND_INVALID", "Choose what the file holds.", "kind")
    _check_upload(upload)
    source = _storage().save(f"{uuid.uuid4().hex}.csv", upload)
    run = ImportRun.objects.create(
        org=org,
        kind=kind,
        dry_run=dry_run,
        file_name=upload.name[-255:],
        source=source,
        created_on=now,
        created_by=actor,
    )
    transaction.on_commit(partial(run_queued, run.pk))
    return run


def run_queued(run_pk) -> None:
    """Without a broker the task runs here, in-process, once the upload has committed."""
    current_app.tasks[RUN_TASK].apply_async(args=[str(run_pk)])


def _progressed(run_pk, done: int) -> None:
    ImportRun.objects.filter(pk=run_pk).update(rows_done=done)


def run_execute(*, run_id, clock: Callable[[], datetime]) -> ImportRun:
    """Import a QUEUED run's file; DONE with its summary and report, or FAILED with why (a
    malformed file's message; any other failure is logged and reported in general words)."""
    run = ImportRun.objects.select_related("org", "created_by").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return run
    run.status, run.started_on = RunStatus.RUNNING, clock()
    run.save(update_fields=["status", "started_on"])
    try:
        with _storage().open(run.source, "rb") as binary, tempfile.TemporaryFile() as spooled:
            run.rows_total = rows_counted(binary, *COLUMNS[run.kind])
            run.save(update_fields=["rows_total"])
            binary.seek(0)
            report = io.TextIOWrapper(spooled, encoding="utf-8", newline="")
            arguments = {
                "org": run.org,
                "binary": binary,
                "report": report,
                "now": run.started_on,
                "dry_run": run.dry_run,
                "on_progress": partial(_progressed, run.pk),
            }
            if run.kind == ImportKind.BADGES:
                summary = definitions.badges_import_file(actor=run.created_by, **arguments)
            else:
                summary = earned.earned_badges_import_file(**arguments)
            report.flush()
            report.detach()
            spooled.seek(0)
            run.report = _storage().save(f"{uuid.uuid4().hex}.report.csv", File(spooled))
    except FileRefused as refused:
        return _ended(run, clock, error=f"{refused} Nothing was imported.")
    except Exception:
        logger.exception("Import run %s failed", run.pk)
        return _ended(
            run,
            clock,
            error="The import stopped on an error; the batches done are kept. Run the file "
            "again to finish it (rows already in answer DUPLICATE).",
        )
    run.summary, run.rows_done = summary.as_dict(), summary.rows
    return _ended(run, clock)


def _ended(run: ImportRun, clock, error: str = "") -> ImportRun:
    run.status = RunStatus.FAILED if error else RunStatus.DONE
    run.error, run.finished_on = error, clock()
    run.save()
    return run


def report_opened(run: ImportRun):
    """The run's report, as a binary file to stream."""
    return _storage().open(run.report, "rb")
