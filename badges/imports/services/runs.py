"""Import runs of the browser UI (SPEC 14): a CSV file uploaded, then imported by a task.

``run_start`` checks the upload, keeps the file in the ``imports`` storage under a name no one
can guess, records the run QUEUED and queues its task once that commits. ``run_execute`` (the
task) claims the run, counts its rows for the progress bar, hands the file to the domain
service of its kind, which tells the rows done after each batch (written at once, so that the
page polling the run sees them), and ends DONE with the summary and the per-row report kept
in the same storage, or FAILED with what the user can act on: a malformed file's message
(nothing was written), or that the import stopped (the error itself is logged, never shown).
The uploaded file is removed once the run ends; the report stays.
"""

import io
import logging
import secrets
import tempfile
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import PurePath

from celery import current_app
from django.core.files import File
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from badges.exceptions import RuleViolation
from badges.imports.badge_rows import BADGE_COLUMNS, BADGE_OPTIONAL_COLUMNS
from badges.imports.choices import ImportKind, RunStatus
from badges.imports.files import FileRefused, Summary, rows_counted
from badges.imports.models import ImportRun
from badges.imports.rows import EARNED_COLUMNS, EARNED_OPTIONAL_COLUMNS
from badges.imports.services.definitions import badges_import_file
from badges.imports.services.earned import earned_badges_import_file
from badges.models import Organization

logger = logging.getLogger(__name__)

RUN_TASK = "badges.imports.tasks.run_import"
STORAGE = "imports"
# The largest file taken: 200 MB is about 4 million rows of earned badges, minutes of work for
# a worker; a larger history is split into files, or imported by the command.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
FILE_NAME_MAX_LENGTH = 255
COLUMNS = {
    ImportKind.BADGES: (BADGE_COLUMNS, BADGE_OPTIONAL_COLUMNS),
    ImportKind.CUSTOMER_BADGES: (EARNED_COLUMNS, EARNED_OPTIONAL_COLUMNS),
}
STOPPED = (
    "The import stopped on an unexpected error (logged for the operators). Rows of the "
    "batches it finished stay imported: run the file again to finish it (those rows then "
    "answer DUPLICATE)."
)
NOT_QUEUED = "The import could not be queued (the task queue did not answer): upload it again."


def imports_storage():
    return storages[STORAGE]


def upload_too_large() -> RuleViolation:
    return RuleViolation.one(
        "IMPORT_FILE_TOO_LARGE",
        f"A file is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split a larger one, or "
        "import it with the command.",
        "file",
    )


def check_upload(kind: str, upload: UploadedFile | None) -> None:
    """What an upload must be before it is kept: a kind of import, a CSV file (by its name:
    its content is read by the run), of at most ``MAX_UPLOAD_BYTES``."""
    if kind not in ImportKind.values:
        raise RuleViolation.one(
            "IMPORT_KIND_INVALID",
            f"Choose what the file holds: {', '.join(ImportKind.labels)}.",
            "kind",
        )
    if upload is None:
        raise RuleViolation.one("IMPORT_FILE_REQUIRED", "Choose a CSV file.", "file")
    if PurePath(upload.name or "").suffix.lower() != ".csv":
        raise RuleViolation.one(
            "IMPORT_FILE_NOT_CSV", "The file is a CSV file, its name ending in .csv.", "file"
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise upload_too_large()


def run_start(
    *,
    org: Organization,
    actor,
    kind: str,
    upload: UploadedFile | None,
    dry_run: bool,
    now: datetime,
) -> ImportRun:
    """Keep the uploaded file and record its run, QUEUED; the task is queued once the run
    commits (without a broker it runs then, in this process). ``RuleViolation`` for an
    upload ``check_upload`` refuses: nothing is kept."""
    check_upload(kind, upload)
    storage = imports_storage()
    source = storage.save(f"uploads/{secrets.token_hex(16)}.csv", upload)
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                org=org,
                kind=kind,
                dry_run=dry_run,
                file_name=PurePath(upload.name).name[:FILE_NAME_MAX_LENGTH],
                source=source,
                created_on=now,
                created_by=actor,
            )
            transaction.on_commit(partial(run_queued, run.pk, now))
    except Exception:
        storage.delete(source)
        raise
    return run


def run_queued(run_pk, now: datetime) -> None:
    """Hand the run to a worker. When the queue does not answer, the run is FAILED at once
    and its file removed (nothing sweeps QUEUED runs): the user uploads the file again."""
    try:
        current_app.tasks[RUN_TASK].apply_async(args=[str(run_pk)], retry=False)
    except Exception:
        logger.exception("Could not queue import run %s.", run_pk)
        run = ImportRun.objects.filter(pk=run_pk, status=RunStatus.QUEUED).first()
        if run is not None:
            _source_removed(run)
            ImportRun.objects.filter(pk=run_pk, status=RunStatus.QUEUED).update(
                status=RunStatus.FAILED, error=NOT_QUEUED, source="", finished_on=now
            )


def _progress_told(run_pk) -> Callable[[int], None]:
    def told(rows_done: int) -> None:
        ImportRun.objects.filter(pk=run_pk).update(rows_done=rows_done)

    return told


def _imported(run: ImportRun, binary, report, now: datetime) -> Summary:
    """The file imported by its kind's service. A dry run's progress is not told: it is one
    transaction rolled back, and its writes would be too."""
    on_progress = None if run.dry_run else _progress_told(run.pk)
    if run.kind == ImportKind.BADGES:
        return badges_import_file(
            org=run.org,
            actor=run.created_by,
            binary=binary,
            report=report,
            now=now,
            dry_run=run.dry_run,
            on_progress=on_progress,
        )
    return earned_badges_import_file(
        org=run.org,
        binary=binary,
        report=report,
        now=now,
        dry_run=run.dry_run,
        on_progress=on_progress,
    )


def _run_through(run: ImportRun, now: datetime) -> tuple[Summary, str]:
    """Count the file's rows, import it, keep its report: (summary, the report's name)."""
    storage = imports_storage()
    with storage.open(run.source, "rb") as binary:
        total = rows_counted(binary, *COLUMNS[run.kind])
        ImportRun.objects.filter(pk=run.pk).update(rows_total=total)
        binary.seek(0)
        with tempfile.TemporaryFile() as kept:
            text = io.TextIOWrapper(kept, encoding="utf-8", newline="")
            summary = _imported(run, binary, text, now)
            text.flush()
            text.detach()
            kept.seek(0)
            report = storage.save(f"reports/{secrets.token_hex(16)}.csv", File(kept))
    return summary, report


def run_execute(*, run_id, clock: Callable[[], datetime]) -> ImportRun | None:
    """Run a QUEUED run to its end, DONE or FAILED; None when the run is not QUEUED (a task
    delivered twice runs it once)."""
    claimed = ImportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_on=clock()
    )
    if not claimed:
        logger.warning("Import run %s is not queued (anymore): not run again.", run_id)
        return None
    run = ImportRun.objects.select_related("org", "created_by").get(pk=run_id)
    ended = {"status": RunStatus.DONE, "error": "", "summary": {}, "report": ""}
    try:
        summary, report = _run_through(run, now=run.started_on)
    except FileRefused as refused:
        ended.update(status=RunStatus.FAILED, error=f"{refused} Nothing was imported.")
    except Exception:
        logger.exception("Import run %s stopped.", run_id)
        ended.update(status=RunStatus.FAILED, error=STOPPED)
    else:
        ended.update(summary=summary.as_dict(), report=report, rows_done=summary.rows)
    _source_removed(run)
    ImportRun.objects.filter(pk=run_id).update(**ended, source="", finished_on=clock())
    run.refresh_from_db()
    return run


def _source_removed(run: ImportRun) -> None:
    """The uploaded file is not kept past its run: it holds the customers' history, and the
    user has it."""
    try:
        imports_storage().delete(run.source)
    except Exception:
        logger.exception("Could not remove the file of import run %s.", run.pk)
