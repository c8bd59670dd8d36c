"""Imports of files uploaded to the import page (SPEC 14): stored, run by a task, watched.

The upload is kept in the ``imports`` storage (never served publicly) under a random name; the
run is QUEUED and its task queued once the upload commits. The task claims the run (a task
delivered twice runs it once), counts the file's rows, imports it through the file service of
its kind (each batch commits on its own, and the run's ``rows_done`` with it, so the page sees
the progress) and stores the per-row report beside it; the uploaded file is removed when the
run ends.

On PostgreSQL the task holds the run by a session advisory lock for as long as it runs: a
worker lost mid-run (killed, its machine gone) loses the lock with its connection, and the
run, left RUNNING, is taken over by the next delivery of its task (the broker redelivers it;
``lost_runs_requeued`` sends it again sooner), which imports the file again from the start:
the batches the lost worker committed answer DUPLICATE.
"""

import io
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial

from celery import current_app
from django.core.files import File
from django.core.files.storage import storages
from django.db import DatabaseError, connection, transaction

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
        raise upload_too_large()


def upload_too_large() -> RuleViolation:
    """A file over the cap: what the service says of one, and the page of a body it stopped
    reading."""
    return RuleViolation.one(
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
    transaction.on_commit(partial(run_queued, run.pk, now))
    return run


NOT_QUEUED = "The import could not be queued (the task queue did not answer): upload it again."


def _task_sent(run_pk) -> bool:
    """Send the run's task; False, logged, when the broker does not take it."""
    try:
        current_app.tasks[RUN_TASK].apply_async(args=[str(run_pk)], retry=False)
    except Exception:
        logger.exception("Could not queue import run %s", run_pk)
        return False
    return True


def run_queued(run_pk, now: datetime) -> None:
    """Without a broker the task runs here, in-process, once the upload has committed. When
    the broker does not take it, the run is FAILED at once and its file removed (nothing
    sweeps QUEUED runs; the upload's request, already committed, still answers the run)."""
    if not _task_sent(run_pk):
        run = ImportRun.objects.filter(pk=run_pk, status=RunStatus.QUEUED).first()
        if run is not None:
            _source_removed(run)
            ImportRun.objects.filter(pk=run_pk, status=RunStatus.QUEUED).update(
                status=RunStatus.FAILED, error=NOT_QUEUED, source="", finished_on=now
            )


def _progressed(run_pk, done: int) -> None:
    ImportRun.objects.filter(pk=run_pk).update(rows_done=done)


# The advisory lock space of import runs, (RUN_LOCK_SPACE, hashtext(run id)): two int4 keys,
# apart from the single bigint key of the issued-count sync.
RUN_LOCK_SPACE = 16


def _run_lock_call(function: str, run_id) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, hashtext(%s))", [RUN_LOCK_SPACE, str(run_id)])
        return cursor.fetchone()[0]


@contextmanager
def _run_held(run_id) -> Iterator[bool | None]:
    """Whether this process holds the run, for the block: True or False on PostgreSQL (a
    session advisory lock, which dies with a lost worker's connection), None elsewhere (no way
    to tell a lost worker from a live one)."""
    if connection.vendor != "postgresql":
        yield None
        return
    held = _run_lock_call("pg_try_advisory_lock", run_id)
    try:
        yield held
    finally:
        if held:
            try:
                _run_lock_call("pg_advisory_unlock", run_id)
            except DatabaseError:  # the connection is gone, and the lock with it
                logger.exception("Could not unlock import run %s", run_id)


def run_execute(*, run_id, clock: Callable[[], datetime]) -> ImportRun:
    """Import a QUEUED run's file, or a RUNNING one's whose worker was lost (PostgreSQL); DONE
    with its summary and report, or FAILED with why (a malformed file's message; any other
    failure is logged and reported in general words)."""
    with _run_held(run_id) as held:
        if held is False:  # another delivery of the task is running it
            return ImportRun.objects.get(pk=run_id)
        claimed = ImportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_on=clock()
        )
        run = ImportRun.objects.select_related("org", "created_by").get(pk=run_id)
        if not claimed:
            if not (held and run.status == RunStatus.RUNNING):  # ended, or had elsewhere
                return run
            logger.warning("Import run %s resumed: the worker running it was lost", run.pk)
        return _executed(run, clock)


def _executed(run: ImportRun, clock: Callable[[], datetime]) -> ImportRun:
    try:
        with _storage().open(run.source, "rb") as binary, tempfile.TemporaryFile() as spooled:
            run.rows_total = rows_counted(binary, *COLUMNS[run.kind])
            ImportRun.objects.filter(pk=run.pk).update(rows_total=run.rows_total)
            binary.seek(0)
            report = io.TextIOWrapper(spooled, encoding="utf-8", newline="")
            arguments = {
                "org": run.org,
                "binary": binary,
                "report": report,
                "now": run.started_on,
                "dry_run": run.dry_run,
                # A dry run is one transaction rolled back: its progress would be too.
                "on_progress": None if run.dry_run else partial(_progressed, run.pk),
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
    return _ended(run, clock, summary=summary.as_dict(), rows_done=summary.rows, report=run.report)


def lost_runs_requeued() -> int:
    """Send the task again for each RUNNING run no process holds (PostgreSQL: its worker was
    lost), so that it is taken over without waiting for the broker's redelivery; how many.
    A run still held is left alone, and a second sending only finds it held or ended."""
    if connection.vendor != "postgresql":
        return 0
    lost = []
    for run_id in ImportRun.objects.filter(status=RunStatus.RUNNING).values_list("pk", flat=True):
        if _run_lock_call("pg_try_advisory_lock", run_id):
            _run_lock_call("pg_advisory_unlock", run_id)
            lost.append(run_id)
    for run_id in lost:
        _task_sent(run_id)
    return len(lost)


def _ended(run: ImportRun, clock, error: str = "", **done) -> ImportRun:
    """The run's end, written by an update of its own fields (the rows done so far, written
    by the progress, stay on a failure). Its uploaded file is removed: it holds customers'
    history, which the report and the user's own copy keep."""
    _source_removed(run)
    ImportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED if error else RunStatus.DONE,
        error=error,
        source="",
        finished_on=clock(),
        **done,
    )
    run.refresh_from_db()
    return run


def _source_removed(run: ImportRun) -> None:
    try:
        _storage().delete(run.source)
    except Exception:
        logger.exception("Could not remove the file of import run %s", run.pk)


def report_opened(run: ImportRun):
    """The run's report, as a binary file to stream."""
    return _storage().open(run.report, "rb")
