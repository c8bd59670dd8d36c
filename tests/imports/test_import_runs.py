"""SPEC 14, the import page's runs: an upload is kept in the ``imports`` storage and its run
QUEUED, its task queued once that commits; the task runs it to DONE with its summary and
per-row report kept, telling the rows done as each batch commits, or to FAILED with what the
user can act on (a malformed file's message, nothing written; never an error's own text)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile

from badges.exceptions import RuleViolation
from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services import runs
from badges.models import Badge, Issuance
from tests.factories import BadgeFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
EARNED = [
    "badge,customer_id,earn_event_date,expires_on",
    "old-7,c-1,2026-09-02,2026-09-16",
    "old-7,c-1,2026-09-02,2026-09-16",
    "old-8,c-2,2026-09-02,",
    "old-7,c-3,2026-09-03,",
    "old-7,c-4,not a date,",
]
SUMMARY = {
    "rows": 5,
    "imported": 2,
    "duplicate": 1,
    "overlapping": 0,
    "badge_not_found": 1,
    "invalid": 1,
}


@pytest.fixture
def badge(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )


@pytest.fixture
def user():
    return UserFactory(username="maria")


def upload(lines, name="earned.csv") -> SimpleUploadedFile:
    text = lines if isinstance(lines, str) else "\n".join(lines) + "\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def started(org, actor, file=None, kind=ImportKind.CUSTOMER_BADGES, dry_run=False) -> ImportRun:
    return runs.run_start(
        org=org,
        actor=actor,
        kind=kind,
        upload=file if file is not None else upload(EARNED),
        dry_run=dry_run,
        now=NOW,
    )


def clock():
    return NOW + timedelta(seconds=5)


def stored(name: str) -> str:
    with runs.imports_storage().open(name, "rb") as kept:
        return kept.read().decode()


def report_rows(run: ImportRun) -> list[tuple[str, str, str, str]]:
    rows = csv.DictReader(io.StringIO(stored(run.report)))
    return [(r["line"], r["status"], r["code"], r["field"]) for r in rows]


def kept_names() -> list[str]:
    storage = runs.imports_storage()
    return [
        f"{folder}/{name}"
        for folder in ("uploads", "reports")
        if storage.exists(folder)
        for name in storage.listdir(folder)[1]
    ]


def test_an_upload_is_kept_under_an_unguessable_name_and_queued_once_it_commits(
    org_a, user, badge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        run = started(org_a, user)
    assert (run.status, run.kind, run.file_name, run.created_by, run.created_on) == (
        RunStatus.QUEUED,
        ImportKind.CUSTOMER_BADGES,
        "earned.csv",
        user,
        NOW,
    )
    assert not run.from_command and run.report == ""
    assert run.source.startswith("uploads/") and run.source.endswith(".csv")
    assert len(run.source) == len("uploads/.csv") + 32  # 128 random bits
    assert stored(run.source) == "\n".join(EARNED) + "\n"
    assert len(queued) == 1

    with time_machine.travel(NOW, tick=False):
        queued[0]()  # no broker: the task runs here, eagerly
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.summary == SUMMARY
    assert (run.rows_total, run.rows_done, run.error) == (5, 5, "")
    assert run.started_on == run.finished_on == NOW
    assert report_rows(run) == [
        ("2", "IMPORTED", "", ""),
        ("3", "DUPLICATE", "DUPLICATE", ""),
        ("4", "BADGE_NOT_FOUND", "BADGE_NOT_FOUND", "badge"),
        ("5", "IMPORTED", "", ""),
        ("6", "INVALID", "EARN_EVENT_DATE_INVALID", "earn_event_date"),
    ]
    assert Issuance.objects.filter(badge=badge, source="IMPORT").count() == 2
    # The uploaded file is not kept past its run; the report is.
    assert run.source == "" and kept_names() == [run.report]


def test_the_rows_done_are_written_as_each_batch_commits(org_a, user, badge, monkeypatch):
    """What the polling page reads: the total first, then the rows done after each batch,
    each a plain update of its own."""
    seen = []
    told = runs._progress_told

    def watched(run_pk):
        tell = told(run_pk)

        def tell_and_look(rows_done):
            tell(rows_done)
            run = ImportRun.objects.get(pk=run_pk)
            seen.append((run.status, run.rows_total, run.rows_done))

        return tell_and_look

    importer = runs.earned_badges_import_file
    monkeypatch.setattr(runs, "_progress_told", watched)
    monkeypatch.setattr(
        runs, "earned_badges_import_file", lambda **kw: importer(**kw, batch_rows=2)
    )
    run = started(org_a, user)
    runs.run_execute(run_id=run.pk, clock=clock)
    assert seen == [("RUNNING", 5, 2), ("RUNNING", 5, 4), ("RUNNING", 5, 5)]
    run.refresh_from_db()
    assert (run.status, run.rows_done) == (RunStatus.DONE, 5)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ["badge,customer,earn_event_date,expires_on", "old-7,c-1,2026-09-02,"],
            "Line 1: the header's columns are missing customer_id; unknown customer "
            "(expected badge,customer_id,earn_event_date,expires_on[,external_id]). "
            "Nothing was imported.",
        ),
        (
            [*EARNED, "old-7,c-9,2026-09-02"],
            "Line 7: 3 values where the header has 4. Nothing was imported.",
        ),
        ("", "the file is empty: it needs a header row. Nothing was imported."),
    ],
)
def test_a_malformed_file_ends_failed_with_its_message_and_nothing_written(
    org_a, user, badge, lines, message
):
    run = runs.run_execute(run_id=started(org_a, user, upload(lines)).pk, clock=clock)
    assert (run.status, run.error, run.summary, run.report) == (RunStatus.FAILED, message, {}, "")
    assert run.rows_done == 0 and run.finished_on == clock()
    assert not Issuance.objects.exists()
    assert kept_names() == []


def test_an_unexpected_error_is_logged_not_shown(org_a, user, badge, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("connection to 10.0.0.7 lost")

    monkeypatch.setattr(runs, "earned_badges_import_file", broken)
    run = runs.run_execute(run_id=started(org_a, user).pk, clock=clock)
    assert (run.status, run.error) == (RunStatus.FAILED, runs.STOPPED)
    assert "10.0.0.7" not in run.error
    assert "10.0.0.7" in caplog.text and "Traceback" in caplog.text
    assert kept_names() == []


def test_a_run_delivered_twice_runs_once(org_a, user, badge):
    run = started(org_a, user)
    assert runs.run_execute(run_id=run.pk, clock=clock).status == RunStatus.DONE
    assert runs.run_execute(run_id=run.pk, clock=clock) is None
    assert Issuance.objects.count() == 2


def test_a_dry_run_decides_and_reports_every_row_and_writes_nothing(org_a, user, badge):
    run = runs.run_execute(run_id=started(org_a, user, dry_run=True).pk, clock=clock)
    assert (run.status, run.dry_run, run.summary, run.rows_done) == (
        RunStatus.DONE,
        True,
        SUMMARY,
        5,
    )
    assert [status for _, status, _, _ in report_rows(run)] == [
        "IMPORTED",
        "DUPLICATE",
        "BADGE_NOT_FOUND",
        "IMPORTED",
        "INVALID",
    ]
    assert not Issuance.objects.exists()


def test_a_file_of_badge_definitions_runs_through_the_definitions_import(org_a, user):
    lines = [
        "external_id,name,start_on,expires_on,issue_type,issue_expiry,owners",
        "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
        "old-1,Summer again,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
    ]
    run = started(org_a, user, upload(lines, "badges.csv"), kind=ImportKind.BADGES)
    run = runs.run_execute(run_id=run.pk, clock=clock)
    assert run.status == RunStatus.DONE
    assert (run.summary["rows"], run.summary["imported"], run.summary["duplicate"]) == (2, 1, 1)
    summer = Badge.objects.get(org=org_a, external_id="old-1")
    assert summer.created_by == user
    assert [status for _, status, _, _ in report_rows(run)] == ["IMPORTED", "DUPLICATE"]


@pytest.mark.parametrize(
    ("kind", "file", "code", "field"),
    [
        ("EVENTS", upload(EARNED), "IMPORT_KIND_INVALID", "kind"),
        (ImportKind.CUSTOMER_BADGES, None, "IMPORT_FILE_REQUIRED", "file"),
        (ImportKind.CUSTOMER_BADGES, upload(EARNED, "earned.xlsx"), "IMPORT_FILE_NOT_CSV", "file"),
        (ImportKind.CUSTOMER_BADGES, upload(EARNED, "earned"), "IMPORT_FILE_NOT_CSV", "file"),
    ],
)
def test_an_upload_that_is_no_import_file_is_refused_and_nothing_kept(
    org_a, user, kind, file, code, field
):
    with pytest.raises(RuleViolation) as refused:
        runs.run_start(org=org_a, actor=user, kind=kind, upload=file, dry_run=False, now=NOW)
    [violation] = refused.value.violations
    assert (violation.code, violation.field) == (code, field)
    assert not ImportRun.objects.exists() and kept_names() == []


def test_a_file_over_the_size_limit_is_refused(org_a, user, monkeypatch):
    monkeypatch.setattr(runs, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(RuleViolation) as refused:
        started(org_a, user, upload("x" * 101))
    assert refused.value.violations[0].code == "IMPORT_FILE_TOO_LARGE"
    assert not ImportRun.objects.exists() and kept_names() == []
    assert started(org_a, user, upload("x" * 100)).status == RunStatus.QUEUED


def test_a_run_the_queue_does_not_take_fails_at_once(
    org_a, user, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_app.tasks[runs.RUN_TASK], "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        run = started(org_a, user)
    run.refresh_from_db()
    assert (run.status, run.error, run.finished_on) == (RunStatus.FAILED, runs.NOT_QUEUED, NOW)
    assert kept_names() == []
